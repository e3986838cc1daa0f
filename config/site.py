"""The application shell: viewflow's Site, one Application per role's workspace.

Each app contributes its own Application class; this module only assembles them.
"""

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site

from accounts.applications import AccountApplication
from audit.viewsets import AuditApplication
from monitoring.applications import IndicatorsApplication, MonitoringApplication
from workflows.viewsets import applications as workflow_applications

site = Site(
    title=_("Relais"),
    viewsets=[
        *workflow_applications(),
        AuditApplication(),
        MonitoringApplication(),
        IndicatorsApplication(),
        AccountApplication(),
    ],
)
