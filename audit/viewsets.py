"""The Audit application of the site (``/audit/``): auditors only."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from audit import views
from audit.vocabularies import ExportFormat
from core.access import role_permission
from core.roles import Role


class AuditApplication(Application):
    app_name = "audit"
    title = _("Audit")
    icon = "policy"
    permission = staticmethod(role_permission(Role.AUDITOR))
    menu_template_name = "audit/menu.html"

    index_path = path("", views.EventListView.as_view(), name="index")
    event_path = path("events/<int:seq>/", views.EventDetailView.as_view(), name="event")
    timeline_path = path("timeline/", views.TimelineView.as_view(), name="timeline")
    chain_path = path("chain/", views.ChainView.as_view(), name="chain")
    export_csv_path = path(
        "export/csv/",
        views.ExportView.as_view(export_format=ExportFormat.CSV),
        name="export_csv",
    )
    export_jsonl_path = path(
        "export/jsonl/",
        views.ExportView.as_view(export_format=ExportFormat.JSONL),
        name="export_jsonl",
    )
    history_path = path("history/", views.HistoryView.as_view(), name="history")
