"""Who sees which tasks and processes. Every list here runs a fixed number of queries."""

import importlib

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import cached_property
from viewflow.workflow.status import STATUS

from core.access import has_role, user_roles
from core.roles import Role
from directory.models import MemberProfile
from referrals.models import Referral
from referrals.vocabularies import WORKING_STATES
from support.models import SupportTrack, first_contact_overdue
from support.selectors import has_room, profiles_with_held
from support.vocabularies import TrackState


def flow():
    """The referral flow class, looked up when first needed.

    viewflow's design makes one cycle inside this app: the flow names its task views, the
    views call ``workflows.services``, and the services (and these selectors) drive the flow.
    This is the one place that closes it, at call time, instead of imports hidden in
    functions across the app."""
    return importlib.import_module("workflows.flows").ReferralFlow


def flow_tasks():
    flow_class = flow()
    return flow_class.task_class._default_manager.filter(process__flow_class=flow_class)


def with_case_data(queryset):
    """Prefetch the referral of each task's process and the track of support tasks."""
    return queryset.select_related("process", "owner").prefetch_related(
        "process__artifact", "artifact"
    )


def member_queue_domains(user) -> list[str]:
    """Domains whose open support tasks the member may take now (none at full capacity)."""
    profile = profiles_with_held().filter(user=user, active=True).first()
    if profile is None or not has_room(capacity=profile.capacity, held=profile.held):
        return []
    return list(profile.domains)


def _track_type():
    return ContentType.objects.get_for_model(SupportTrack)


def queue_for(user):
    """NEW human tasks the user may take: the coordinator sees every queue; the cell liaison
    the review tasks; a member the open support tasks of their domains, within capacity."""
    flow_class = flow()
    # Every task a person takes is HUMAN: the same predicate as the partial index
    # relais_task_queue (workflows migration 0005), which holds only these rows.
    base = flow_tasks().filter(status=STATUS.NEW, owner__isnull=True, flow_task_type="HUMAN")
    roles = user_roles(user)
    if Role.COORDINATOR in roles:
        return base
    visible = Q(pk__in=[])
    if Role.CELL_LIAISON in roles:
        visible |= Q(flow_task=flow_class.review)
    if Role.MEMBER in roles:
        domains = member_queue_domains(user)
        if domains:
            visible |= Q(
                flow_task=flow_class.support,
                artifact_content_type=_track_type(),
                # A suspended (or ended) referral's open tracks cannot be taken: not shown.
                artifact_object_id__in=SupportTrack.objects.filter(
                    state=TrackState.OPEN,
                    domain__in=domains,
                    referral__state__in=WORKING_STATES,
                ).values("pk"),
            )
    return base.filter(visible)


def member_queue_page(user, *, limit: int) -> list:
    """The first ``limit`` tasks of a member's queue, oldest track first, driven from the
    tracks: open tracks of the member's domains in opening order (partial index
    ``track_open_opened``), stopping at ``limit``, then their tasks by track id — the cost does
    not grow with the size of the national queue. Other roles: ``queue_for``, by age."""
    roles = user_roles(user)
    if Role.MEMBER not in roles or roles & {Role.COORDINATOR, Role.CELL_LIAISON}:
        return list(with_case_data(queue_for(user)).order_by("created")[:limit])
    domains = member_queue_domains(user)
    if not domains:
        return []
    track_ids = list(
        SupportTrack.objects.filter(
            state=TrackState.OPEN,
            domain__in=domains,
            referral__state__in=WORKING_STATES,
        )
        .order_by("opened_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    tasks = with_case_data(
        flow_tasks().filter(
            status=STATUS.NEW,
            owner__isnull=True,
            flow_task_type="HUMAN",
            flow_task=flow().support,
            artifact_content_type=_track_type(),
            artifact_object_id__in=track_ids,
        )
    )
    by_track = {task.artifact_object_id: task for task in tasks}
    return [by_track[pk] for pk in track_ids if pk in by_track]


def inbox_for(user):
    return flow_tasks().filter(owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED])


def inbox_count(*, user) -> int:
    return inbox_for(user).count()


COUNT_CAP = 999


class BoundedCount(int):
    """A count that stopped at ``COUNT_CAP + 1``: shown as "999+" when it reached it."""

    def __str__(self):
        return f"{COUNT_CAP}+" if self > COUNT_CAP else str(int(self))


class BoundedPaginator(Paginator):
    """viewflow's task lists without an unbounded COUNT: the total counts no further than
    ``COUNT_CAP + 1`` rows, so pages go as deep as that (the oldest or newest work first)."""

    @cached_property
    def count(self):
        return bounded_count(self.object_list)


def bounded_count(queryset) -> BoundedCount:
    """How many rows, counting no further than ``COUNT_CAP + 1`` (a COUNT over a LIMIT
    subquery): the cost of menu counters and list totals does not grow with the data."""
    return BoundedCount(queryset.order_by()[: COUNT_CAP + 1].count())


def sees_every_case(user) -> bool:
    """Coordinators and cell liaisons see every referral, its process and its tasks."""
    return has_role(user, Role.COORDINATOR, Role.CELL_LIAISON)


def task_visible_to(user, task) -> bool:
    """Whether ``user`` may know of ``task`` (else its pages answer 404).

    Coordinators and cell liaisons: every task. A member: the tasks they hold or held (their
    own track, also once ended), and the tasks they may take now (their queue). Nothing else
    of the case: not its triage or review, not sibling tracks, not who holds them."""
    if sees_every_case(user):
        return True
    if not has_role(user, Role.MEMBER):
        return False
    if task.owner_id == user.pk:
        return True
    return queue_for(user).filter(pk=task.pk).exists()


def queue_recipients(*, process):
    """(user, queue size) for everyone whose queue holds a NEW task of ``process``."""
    flow_class = flow()
    new_tasks = flow_tasks().filter(process=process, status=STATUS.NEW, owner__isnull=True)
    User = get_user_model()
    recipients = []
    if new_tasks.filter(flow_task=flow_class.triage).exists():
        recipients += list(User.objects.filter(is_active=True, groups__name=Role.COORDINATOR))
    if new_tasks.filter(flow_task=flow_class.review).exists():
        recipients += list(User.objects.filter(is_active=True, groups__name=Role.CELL_LIAISON))
    domains = set(
        SupportTrack.objects.filter(
            pk__in=new_tasks.filter(flow_task=flow_class.support).values("artifact_object_id")
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


def overdue_support_counts(*, today=None):
    """{member id: number of overdue tracks they hold on ``today``} (first contact past due:
    the one overdue rule of a held track, support.models.first_contact_overdue)."""
    today = today or timezone.localdate()
    rows = (
        SupportTrack.objects.filter(first_contact_overdue(today), holder__isnull=False)
        .values("holder")
        .annotate(n=Count("pk"))
    )
    return {row["holder"]: row["n"] for row in rows}


def can_see_case_pages(user) -> bool:
    return has_role(user, Role.COORDINATOR, Role.CELL_LIAISON, Role.MEMBER)


# --- the referral list of the cell and the coordinator ----------------------------------------

REFERRAL_SORTS = {
    # sort code: (key field, descending)
    "recent": ("received_on", True),
    "oldest": ("received_on", False),
    "reference": ("reference", False),
}


def referrals_search(
    *,
    reference="",
    state="",
    commune=None,
    domain="",
    overdue=False,
    sort="recent",
    after=None,
    limit=50,
    today=None,
):
    """One page of referrals matching the filters, in the ``sort`` order (REFERRAL_SORTS), and
    the cursor of the next page (None on the last). Keyset pagination: ``after`` is the
    (key, pk) of the previous page's last row, so a page costs the same at any depth and rows
    added meanwhile never shift it. Two queries whatever the page size (rows + communes)."""
    queryset = Referral.objects.select_related("commune")
    if reference:
        queryset = queryset.filter(reference__contains=reference.upper())
    if state:
        queryset = queryset.filter(state=state)
    if commune is not None:
        queryset = queryset.filter(commune=commune)
    if domain:
        opened = SupportTrack.objects.filter(referral=OuterRef("pk"), domain=domain)
        queryset = queryset.filter(Q(requested_domains__contains=domain) | Exists(opened))
    if overdue:
        queryset = queryset.overdue(today or timezone.localdate())
    field, descending = REFERRAL_SORTS[sort]
    if after is not None:
        key, pk = after
        if descending:
            queryset = queryset.filter(Q(**{f"{field}__lt": key}) | Q(**{field: key, "pk__lt": pk}))
        else:
            queryset = queryset.filter(Q(**{f"{field}__gt": key}) | Q(**{field: key, "pk__gt": pk}))
    order = (f"-{field}", "-pk") if descending else (field, "pk")
    rows = list(queryset.order_by(*order)[: limit + 1])
    cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        cursor = (getattr(rows[-1], field), rows[-1].pk)
    return rows, cursor
