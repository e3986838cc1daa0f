"""Who sees which tasks and processes. Every list here runs a fixed number of queries."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone
from viewflow.workflow.status import STATUS

from core.access import has_role, user_roles
from core.roles import Role
from directory.models import MemberProfile
from support.models import WORKING_REFERRAL_STATES, SupportTrack
from support.vocabularies import HELD_STATES, TrackState


def _flow():
    from workflows.flows import ReferralFlow

    return ReferralFlow


def flow_tasks():
    flow = _flow()
    return flow.task_class._default_manager.filter(process__flow_class=flow)


def with_case_data(queryset):
    """Prefetch the referral of each task's process and the track of support tasks."""
    return queryset.select_related("process", "owner").prefetch_related(
        "process__artifact", "artifact"
    )


def member_queue_domains(user) -> list[str]:
    """Domains whose open support tasks the member may take now (none at full capacity)."""
    profile = (
        MemberProfile.objects.filter(user=user, active=True)
        .annotate(
            held=Count(
                "user__support_tracks",
                filter=Q(user__support_tracks__state__in=HELD_STATES),
            )
        )
        .first()
    )
    if profile is None or profile.held >= profile.capacity:
        return []
    return list(profile.domains)


def _track_type():
    return ContentType.objects.get_for_model(SupportTrack)


def queue_for(user):
    """NEW human tasks the user may take: the coordinator sees every queue; the cell liaison
    the review tasks; a member the open support tasks of their domains, within capacity."""
    flow = _flow()
    base = flow_tasks().filter(status=STATUS.NEW, owner__isnull=True)
    roles = user_roles(user)
    if Role.COORDINATOR in roles:
        return base.filter(flow_task_type="HUMAN")
    visible = Q(pk__in=[])
    if Role.CELL_LIAISON in roles:
        visible |= Q(flow_task=flow.review)
    if Role.MEMBER in roles:
        domains = member_queue_domains(user)
        if domains:
            visible |= Q(
                flow_task=flow.support,
                artifact_content_type=_track_type(),
                # A suspended (or ended) referral's open tracks cannot be taken: not shown.
                artifact_object_id__in=SupportTrack.objects.filter(
                    state=TrackState.OPEN,
                    domain__in=domains,
                    referral__state__in=WORKING_REFERRAL_STATES,
                ).values("pk"),
            )
    return base.filter(visible)


def inbox_for(user):
    return flow_tasks().filter(owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED])


def inbox_count(*, user) -> int:
    return inbox_for(user).count()


def process_visible_to(user, process_pk) -> bool:
    """Coordinators and cell liaisons see every process. A member sees a process only while
    they hold one of its tasks or tracks, or may take one of its open support tasks."""
    roles = user_roles(user)
    if Role.COORDINATOR in roles or Role.CELL_LIAISON in roles:
        return True
    if Role.MEMBER not in roles:
        return False
    if flow_tasks().filter(process_id=process_pk, owner=user).exists():
        return True
    if queue_for(user).filter(process_id=process_pk).exists():
        return True
    process = _flow().process_class._default_manager.filter(pk=process_pk).first()
    return bool(
        process
        and SupportTrack.objects.filter(
            referral_id=process.artifact_object_id, holder=user
        ).exists()
    )


def queue_recipients(*, process):
    """(user, queue size) for everyone whose queue holds a NEW task of ``process``."""
    from django.contrib.auth import get_user_model

    flow = _flow()
    new_tasks = flow_tasks().filter(process=process, status=STATUS.NEW, owner__isnull=True)
    User = get_user_model()
    recipients = []
    if new_tasks.filter(flow_task=flow.triage).exists():
        recipients += list(User.objects.filter(is_active=True, groups__name=Role.COORDINATOR))
    if new_tasks.filter(flow_task=flow.review).exists():
        recipients += list(User.objects.filter(is_active=True, groups__name=Role.CELL_LIAISON))
    domains = set(
        SupportTrack.objects.filter(
            pk__in=new_tasks.filter(flow_task=flow.support).values("artifact_object_id")
        ).values_list("domain", flat=True)
    )
    if domains:
        for profile in MemberProfile.objects.filter(
            active=True, user__is_active=True
        ).select_related("user"):
            if set(profile.domains) & domains:
                recipients.append(profile.user)
    seen, result = set(), []
    for user in recipients:
        if user.pk not in seen:
            seen.add(user.pk)
            result.append((user, queue_for(user).count()))
    return result


def overdue_support_counts():
    """{member id: number of overdue tasks they hold} (first contact past due)."""
    today = timezone.localdate()
    rows = (
        SupportTrack.objects.filter(
            state=TrackState.ASSIGNED, first_contact_due_on__lt=today, holder__isnull=False
        )
        .values("holder")
        .annotate(n=Count("pk"))
    )
    return {row["holder"]: row["n"] for row in rows}


def can_see_case_pages(user) -> bool:
    return has_role(user, Role.COORDINATOR, Role.CELL_LIAISON, Role.MEMBER)
