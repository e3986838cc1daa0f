from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.applications import RelaisAuthViewset
from config import views
from config.site import site

admin.site.site_header = _("Relais — administration")
admin.site.site_title = _("Relais")
# The admin's own password change would bypass « Mon compte » (and its audit event).
admin.site.password_change = lambda request, extra_context=None: redirect("account:password_change")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/2fa/", include("accounts.urls")),
    path("accounts/", RelaisAuthViewset().urls),
    path("", views.home, name="home"),
    path("", site.urls),
]
