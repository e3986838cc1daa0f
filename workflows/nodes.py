"""Custom viewflow nodes of the referral flow."""

from functools import update_wrapper

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from viewflow.workflow import flow
from viewflow.workflow.flow.views import DetailTaskView
from viewflow.workflow.nodes.split import SplitActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.status import STATUS

from core.access import has_role
from core.roles import Role
from support.models import SupportTrack
from workflows.selectors import sees_every_case, task_visible_to

FINISHED = (STATUS.DONE, STATUS.CANCELED)


class DispatchActivation(SplitActivation):
    """Create one support task per running track that has none, and one pending review
    request. The tracks themselves were opened by workflows.services."""

    @SplitActivation.status.super()
    def activate(self):
        flow_instance = self.flow_class.instance
        support_node = flow_instance.support
        with_task = {
            (task.data or {}).get("track")
            for task in self.flow_class.task_class._default_manager.filter(
                process=self.process, flow_task=support_node
            ).exclude(status__in=[STATUS.DONE, STATUS.CANCELED])
        }
        tracks = (
            SupportTrack.objects.filter(referral_id=self.process.artifact_object_id)
            .running()
            .order_by("pk")
        )
        for track in tracks:
            if track.pk not in with_task:
                self.next_tasks.append((support_node, {"track": track.pk}))
        self.next_tasks.append((flow_instance.review_request, None))


class Dispatch(flow.Split):
    activation_class = DispatchActivation


class TrackTaskActivation(ViewActivation):
    """Links a support task to its track (task.artifact), so queues filter in SQL."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        activation = super().create(flow_task, prev_activation, token, data=data, seed=seed)
        track_id = (data or {}).get("track")
        if track_id:
            task = activation.task
            task.artifact_content_type = ContentType.objects.get_for_model(SupportTrack)
            task.artifact_object_id = track_id
            task.save(update_fields=["artifact_content_type", "artifact_object_id"])
        return activation


def _task_page(node, view, permission):
    """Our wrapper of a task's page (execute, take): the task must be this node's and belong
    to the URL's process (404 otherwise); ``permission(user, task)`` else 403. No flow lock
    here: the services of workflows.services take it themselves and answer in French when it
    is held elsewhere or when the task was finished meanwhile (viewflow's wrapper answered
    500 or a bare 403)."""

    def wrapped(request, *args, **kwargs):
        task = get_object_or_404(
            node.flow_class.task_class._default_manager.select_related("process"),
            pk=kwargs.get("task_pk"),
            process_id=kwargs.get("process_pk"),
            flow_task=node,
        )
        if not task_visible_to(request.user, task):
            raise Http404
        if task.status in FINISHED:
            if task.owner_id != request.user.pk:
                raise PermissionDenied
            if not node.can_read_finished(request.user, task):
                # Its holder comes back to it (a second submit, the loser of two completes).
                messages.error(
                    request, _("Cette tâche a déjà été traitée : rien n'a été enregistré.")
                )
                return redirect(reverse("workflow:inbox"))
        elif not permission(request.user, task):
            raise PermissionDenied
        request.activation = node.activation_class(task)
        return view(request, *args, **kwargs)

    update_wrapper(wrapped, view)
    return wrapped


class TaskDetailView(DetailTaskView):
    """viewflow's task detail, for those who see every case. A member is sent to the
    product's page of the task instead (their track page, or the take page of a task in
    their queue), which never shows more than their work needs."""

    def get(self, request, *args, **kwargs):
        task = request.activation.task
        if not sees_every_case(request.user):
            page = "execute" if task.owner_id == request.user.pk else "assign"
            return redirect(task.flow_task.reverse(page, args=[task.process_id, task.pk]))
        return super().get(request, *args, **kwargs)


class RoleTaskNode(flow.View):
    """A human task reserved to one role: the one source of truth of who may take it
    (``can_assign``) and carry it (``can_execute``: its holder). Taking, carrying and releasing
    go through our own views (they call workflows.services), so viewflow's generic assign and
    unassign pages are replaced."""

    role: str = ""
    activation_class = TrackTaskActivation
    detail_view_class = TaskDetailView

    def __init__(self, view, *, role, assign_view=None, action_views=None, **kwargs):
        super().__init__(view, **kwargs)
        self.role = role
        self._assign_view = assign_view
        self._action_views = action_views or {}

    @property
    def urlpatterns(self):
        """One URL per action of the task's page (``…/<task>/<action>/``), each its own view,
        behind the same checks as the page (visibility, holder)."""
        return [
            path(
                f"<int:process_pk>/{self.name}/<int:task_pk>/{action}/",
                _task_page(self, view, self.can_execute),
                name=action,
            )
            for action, view in self._action_views.items()
        ]

    def can_assign(self, user, task):
        return (
            task.owner_id is None
            and task.status == STATUS.NEW
            and user.is_authenticated
            and has_role(user, self.role)
        )

    def can_unassign(self, user, task):
        # Releasing a support track needs a coded reason: done on the track page.
        return self.role != Role.MEMBER and task.owner_id == getattr(user, "pk", None)

    def can_view(self, user, task):
        """Its detail page: every task for coordinators and cell liaisons; for a member, the
        tasks ``task_visible_to`` grants (404 otherwise, existence not revealed)."""
        if not task_visible_to(user, task):
            raise Http404
        return True

    def can_read_finished(self, user, task):
        """A finished support task stays readable by its holder (their ended track page)."""
        return (
            self.role == Role.MEMBER
            and task.status == STATUS.DONE
            and task.owner_id == getattr(user, "pk", None)
        )

    @property
    def view_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/execute/",
            _task_page(self, self.view, self.can_execute),
            name="execute",
        )

    @property
    def unassign_path(self):
        # Our page: the release goes through workflows.services (and its audit event).
        from workflows.views import UnassignTaskView

        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/unassign/",
            _task_page(self, UnassignTaskView.as_view(), self.can_unassign),
            name="unassign",
        )

    @property
    def assign_path(self):
        # The take page explains a refusal itself (a task taken meanwhile, a full capacity).
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/assign/",
            _task_page(self, self._assign_view, lambda user, task: True),
            name="assign",
        )
