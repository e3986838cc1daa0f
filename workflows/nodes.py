"""Custom viewflow nodes of the referral flow."""

from django.urls import path
from viewflow.workflow import flow
from viewflow.workflow.flow import utils
from viewflow.workflow.nodes.split import SplitActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.status import STATUS

from core.access import has_role
from core.roles import Role


class DispatchActivation(SplitActivation):
    """Create one support task per running track that has none, and one pending review
    request. The tracks themselves were opened by the referral services."""

    @SplitActivation.status.super()
    def activate(self):
        from support.models import SupportTrack
        from support.vocabularies import ENDED_STATES

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
            .exclude(state__in=ENDED_STATES)
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
            from django.contrib.contenttypes.models import ContentType

            from support.models import SupportTrack

            task = activation.task
            task.artifact_content_type = ContentType.objects.get_for_model(SupportTrack)
            task.artifact_object_id = track_id
            task.save(update_fields=["artifact_content_type", "artifact_object_id"])
        return activation


class RoleTaskNode(flow.View):
    """A human task reserved to one role. Taking and releasing go through our own views
    (they call services), so viewflow's generic assign/unassign pages are replaced."""

    role: str = ""
    activation_class = TrackTaskActivation

    def __init__(self, view, *, role, assign_view=None, **kwargs):
        super().__init__(view, **kwargs)
        self.role = role
        self._assign_view = assign_view

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

    @property
    def assign_path(self):
        # No permission check in the wrapper: the view itself explains a refusal (a task
        # taken meanwhile, a full capacity) instead of a bare 403.
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/assign/",
            utils.wrap_task_view(self, self._assign_view),
            name="assign",
        )
