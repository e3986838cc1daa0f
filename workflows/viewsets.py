"""The role workspaces and the referral flow's application in viewflow's site."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import FlowInboxListView, FlowQueueListView

from core.access import has_role, role_permission
from core.roles import Role
from workflows import flow_views, pages
from workflows.flow_views import TaskColumnsMixin
from workflows.selectors import (
    BoundedPaginator,
    bounded_count,
    flow,
    inbox_for,
    queue_for,
    with_case_data,
)


def _case_paths():
    """The case page and one URL (``case_<action>``) per action, each its own view."""
    return (
        path("orientations/", pages.ReferralListView.as_view(), name="referrals"),
        path("orientations/<int:pk>/", pages.ReferralCaseView.as_view(), name="case"),
        *[
            path(f"orientations/<int:pk>/{action}/", view.as_view(), name=f"case_{action}")
            for action, view in pages.CASE_ACTIONS.items()
        ],
    )


class CellApplication(Application):
    menu_template_name = None  # one page per workspace: no sub-menu
    app_name = "cell"
    title = _("Cellule")
    icon = "folder_shared"
    permission = staticmethod(role_permission(Role.CELL_LIAISON))
    index_path = path("", pages.CellHomeView.as_view(), name="index")
    urlpatterns = _case_paths()


class CoordinationApplication(Application):
    menu_template_name = None  # one page per workspace: no sub-menu
    app_name = "coordination"
    title = _("Coordination")
    icon = "hub"
    permission = staticmethod(role_permission(Role.COORDINATOR))
    index_path = path("", pages.CoordinationHomeView.as_view(), name="index")
    urlpatterns = _case_paths()


class MemberApplication(Application):
    menu_template_name = None  # one page per workspace: no sub-menu
    app_name = "member"
    title = _("Mes accompagnements")
    icon = "volunteer_activism"
    permission = staticmethod(role_permission(Role.MEMBER))
    index_path = path("", pages.MemberHomeView.as_view(), name="index")


class _CaseColumnsMixin(TaskColumnsMixin):
    """Task tables with the referral's reference, the step's French name and the track's
    domain, prefetched (workflows.flow_views)."""

    columns = ("task_link", "step", "domain", "created")
    # viewflow's task filter lists distinct flow_task values from this queryset, which its
    # prefetches cannot follow; the lists here are short and already scoped to the user.
    filterset_class = None


class InboxView(_CaseColumnsMixin, FlowInboxListView):
    title = _("Boîte de réception")
    paginator_class = BoundedPaginator

    @property
    def queryset(self):
        return with_case_data(inbox_for(self.request.user)).order_by("-created")


class QueueView(_CaseColumnsMixin, FlowQueueListView):
    title = _("File d'attente")
    paginator_class = BoundedPaginator

    @property
    def queryset(self):
        return with_case_data(queue_for(self.request.user)).order_by("-created")


class ReferralFlowApp(FlowAppViewset):
    """viewflow's flow application (inbox, queue, archive, process and task pages), closed
    to roles without case work; per-object visibility: workflows.middleware."""

    inbox_view_class = InboxView
    queue_view_class = QueueView
    archive_view_class = flow_views.ArchiveView
    process_list_view_class = flow_views.ProcessListView
    task_list_view_class = flow_views.TaskListView
    # Bulk take/release would bypass the services (capacity, coded reasons).
    tasks_assign_path = None
    tasks_unassign_path = None

    menu_template_name = "workflows/flow_menu.html"

    def has_view_permission(self, user, obj=None):
        return role_permission(Role.CELL_LIAISON, Role.COORDINATOR, Role.MEMBER)(user)

    def get_context_data(self, request):
        # The menu's counters use our scoped inbox and queue, not viewflow's defaults.
        return {
            "inbox_count": bounded_count(inbox_for(request.user)),
            "queue_count": bounded_count(queue_for(request.user)),
            "sees_every_process": has_role(request.user, Role.COORDINATOR, Role.CELL_LIAISON),
        }


def applications():
    return [
        CellApplication(),
        CoordinationApplication(),
        MemberApplication(),
        ReferralFlowApp(flow(), app_name="workflow", title=_("Circuit"), icon="account_tree"),
    ]
