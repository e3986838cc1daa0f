"""« Mon compte » in the site: password, second factor, recovery codes (every account)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application

from accounts import views


def _authenticated(user) -> bool:
    return user.is_authenticated


class AccountApplication(Application):
    app_name = "account"
    title = _("Mon compte")
    icon = "manage_accounts"
    menu_template_name = "accounts/menu.html"
    permission = staticmethod(_authenticated)

    index_path = path("", views.AccountHomeView.as_view(), name="index")
    password_change_path = path(
        "password/", views.PasswordChangeView.as_view(), name="password_change"
    )
    password_change_done_path = path(
        "password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"
    )
    recovery_codes_path = path(
        "recovery-codes/", views.RecoveryCodesRegenerateView.as_view(), name="recovery_codes"
    )


class RelaisAuthViewset(AuthViewset):
    """viewflow's login, logout and password reset; password change lives in « Mon compte »
    and the reset's last step is audited."""

    pass_reset_confirm_view_class = views.PasswordResetConfirmView

    def __init__(self, **kwargs):
        super().__init__(allow_password_change=True, with_profile_view=False, **kwargs)

    @property
    def pass_change_path(self):
        return None

    @property
    def pass_change_done_path(self):
        return None
