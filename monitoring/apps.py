from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Suivi et indicateurs")

    def ready(self):
        # The audit screens show this app's codes by their French labels (audit.labels).
        from audit.labels import register
        from audit.vocabularies import ObjectType
        from monitoring.services import TRANSITION
        from monitoring.vocabularies import TerritorialIndicatorCode

        register(
            ObjectType.TERRITORIAL_INDICATOR,
            transitions={
                TRANSITION: (
                    _("Saisie d'un indicateur territorial"),
                    TerritorialIndicatorCode.choices,
                )
            },
        )
