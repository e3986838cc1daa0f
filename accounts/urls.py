"""The second-factor steps of the login (before the site's frame)."""

from django.urls import path

from accounts import views

app_name = "twofactor"

urlpatterns = [
    path("setup/", views.TwoFactorSetupView.as_view(), name="setup"),
    path("verify/", views.TwoFactorVerifyView.as_view(), name="verify"),
    path("codes/", views.RecoveryCodesShownView.as_view(), name="codes"),
]
