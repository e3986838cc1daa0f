"""Role workspaces not built yet: each shows its role's mission until its issue fills it."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from viewflow.urls import Application

from core.access import role_permission
from core.roles import Role


class RoleHomeView(TemplateView):
    template_name = "relais/role_home.html"
    mission = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mission"] = self.mission
        return context


def _application(app_name, title, icon, role, mission):
    class RoleApplication(Application):
        menu_template_name = None
        index_path = path("", RoleHomeView.as_view(mission=mission), name="index")

    RoleApplication.__name__ = f"{app_name.title()}Application"
    return RoleApplication(
        app_name=app_name, title=title, icon=icon, permission=role_permission(role)
    )


PLACEHOLDERS = {
    "cell": (
        _("Cellule"),
        "folder_shared",
        Role.CELL_LIAISON,
        _("Enregistrer les orientations, recevoir les retours, conduire les bilans."),
    ),
    "coordination": (
        _("Coordination"),
        "hub",
        Role.COORDINATOR,
        _("Examiner les orientations, ouvrir et attribuer les accompagnements."),
    ),
    "member": (
        _("Mes accompagnements"),
        "volunteer_activism",
        Role.MEMBER,
        _("Prendre des accompagnements dans vos domaines et en suivre le déroulement."),
    ),
    "monitoring": (
        _("Suivi de l'activité"),
        "monitoring",
        Role.STATE_DELEGATE,
        _("Suivre l'état de l'ensemble des situations et les retards."),
    ),
    "audit": (
        _("Audit"),
        "policy",
        Role.AUDITOR,
        _("Consulter et vérifier le journal d'audit."),
    ),
    "indicators": (
        _("Indicateurs"),
        "insights",
        Role.STRATEGIC_GROUP,
        _("Consulter les indicateurs agrégés du plan."),
    ),
}


def placeholder_applications(exclude=()):
    return [_application(name, *spec) for name, spec in PLACEHOLDERS.items() if name not in exclude]
