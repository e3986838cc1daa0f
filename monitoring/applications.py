"""The two viewflow Applications of the monitoring app, registered in ``config/site.py``.

* ``monitoring`` (``/monitoring/``): State delegates and the coordinator.
* ``indicators`` (``/indicators/``): the strategic group and the coordinator; the territorial
  indicator entry page and the publication page are the coordinator's only.
"""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from core.access import has_role, role_permission
from core.roles import Role
from monitoring import views

MENU_TEMPLATE = "monitoring/includes/app_menu.html"


class MonitoringApplication(Application):
    app_name = "monitoring"
    title = _("Suivi de l'activité")
    icon = "monitoring"
    menu_template_name = MENU_TEMPLATE

    index_path = path("", views.DashboardView.as_view(), name="index")
    export_path = path("export/<slug:table>.csv", views.DashboardCsvView.as_view(), name="export")

    def __init__(self, **kwargs):
        kwargs.setdefault("permission", role_permission(Role.STATE_DELEGATE, Role.COORDINATOR))
        super().__init__(**kwargs)

    def get_context_data(self, request):
        return {"app_links": [(reverse("monitoring:index"), _("Tableau de bord"), "dashboard")]}


class IndicatorsApplication(Application):
    app_name = "indicators"
    title = _("Indicateurs")
    icon = "insights"
    menu_template_name = MENU_TEMPLATE

    index_path = path("", views.IndicatorsView.as_view(), name="index")
    print_path = path("print/", views.IndicatorsPrintView.as_view(), name="print")
    export_path = path("export/<slug:table>.csv", views.IndicatorsCsvView.as_view(), name="export")
    territorial_path = path(
        "territorial/", views.TerritorialEntryView.as_view(), name="territorial"
    )
    releases_path = path("releases/", views.ReleasesView.as_view(), name="releases")

    def __init__(self, **kwargs):
        kwargs.setdefault("permission", role_permission(Role.STRATEGIC_GROUP, Role.COORDINATOR))
        super().__init__(**kwargs)

    def get_context_data(self, request):
        links = [
            (reverse("indicators:index"), _("Indicateurs de la période"), "insights"),
            (reverse("indicators:print"), _("Version imprimable"), "print"),
        ]
        if has_role(request.user, Role.COORDINATOR):
            links.append(
                (reverse("indicators:territorial"), _("Indicateurs territoriaux"), "edit_note")
            )
            links.append((reverse("indicators:releases"), _("Publications"), "publish"))
        return {"app_links": links}
