from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et sécurité")

    def ready(self):
        from axes.signals import user_locked_out

        from accounts import receivers
        from audit.labels import register
        from audit.vocabularies import LockScope, ObjectType, UnlockMethod

        user_locked_out.connect(receivers.on_user_locked_out, dispatch_uid="relais_lockout")
        # French labels of unlock events in the auditors' screens (scope, then how).
        for object_type in (ObjectType.USER, ObjectType.SESSION):
            register(
                object_type,
                transitions={
                    scope: (label, UnlockMethod.choices) for scope, label in LockScope.choices
                },
            )
