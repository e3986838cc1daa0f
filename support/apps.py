from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Accompagnements")

    def ready(self):
        # The audit screens show this app's codes by their French labels (audit.labels).
        from audit.labels import register_fsm_model
        from audit.vocabularies import ObjectType
        from directory.vocabularies import SupportDomain
        from support.models import SupportTrack

        register_fsm_model(
            ObjectType.SUPPORT_TRACK,
            SupportTrack,
            extra={"open": (_("Ouverture dans un domaine"), SupportDomain.choices)},
        )
