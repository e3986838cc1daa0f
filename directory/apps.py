from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Annuaire et référentiels")

    def ready(self):
        from directory import auditlog_registry  # noqa: F401  (registers reference data)
