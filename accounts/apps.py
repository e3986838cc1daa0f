from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et sécurité")

    def ready(self):
        from axes.signals import user_locked_out

        from accounts import receivers

        user_locked_out.connect(receivers.on_user_locked_out, dispatch_uid="relais_lockout")
