from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.contrib.auth import AuthViewset

from config import views
from config.site import site

admin.site.site_header = _("Relais — administration")
admin.site.site_title = _("Relais")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", AuthViewset(allow_password_change=True, with_profile_view=False).urls),
    path("", views.home, name="home"),
    path("", site.urls),
]
