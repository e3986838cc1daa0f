from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Journal d'audit")

    def ready(self):
        from django.contrib.auth import signals

        from audit import receivers

        signals.user_logged_in.connect(
            receivers.on_user_logged_in, dispatch_uid="relais_audit_login"
        )
        signals.user_logged_out.connect(
            receivers.on_user_logged_out, dispatch_uid="relais_audit_logout"
        )
