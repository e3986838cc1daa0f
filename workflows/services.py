"""The one public write API of Relais.

Pages, task pages, commands (reminders), the demo and the test builders change a referral, a
support track or a workflow task only through the functions here. Each one:

1. takes the process lock (viewflow's ``select_for_update`` of the process row; a lock held by
   another request beyond viewflow's retries becomes an ``ApplicationError`` with code
   ``busy`` and a French message, never a 500) and opens one transaction;
2. locks the referral row, then calls the services of ``referrals`` and ``support``, which
   change only their own model (role, state, code and guards checked; the django-fsm-2
   transition; one audit event each);
3. moves the viewflow tasks with the states, and schedules e-mails after commit.

A refusal raises ``ApplicationError`` and nothing is written. Lock order: process → referral →
track → member profile (no deadlocks). ``referrals.services`` and ``support.services`` never
import each other: this module joins them.
"""

from contextlib import contextmanager

from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.status import STATUS

from audit.services import audit_record
from audit.vocabularies import AuditAction, AuditRole, ObjectType, TaskOperation
from core.errors import ApplicationError
from core.roles import Role
from referrals import services as referral_services
from referrals.models import Referral
from referrals.vocabularies import ReferralState
from support import services as track_services
from support.models import SupportTrack
from support.selectors import running_domains
from transitions.runner import acting_role, transition_rules
from workflows import selectors
from workflows.models import ReferralProcess
from workflows.notifications import notify_assigned, notify_new_in_queue

ACTIVE = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
BUSY = _(
    "Quelqu'un d'autre est en train de traiter cette orientation. "
    "Rien n'a été enregistré : rechargez la page et réessayez."
)


# --- locks and lookups ------------------------------------------------------------------


@contextmanager
def _case_locked(process):
    """The process lock and one transaction; a lock held elsewhere → ApplicationError(busy).

    Re-entrant inside a task page, whose wrapper already holds the same lock."""
    flow = selectors.flow()
    try:
        # viewflow's lock is the transaction (or a savepoint inside a caller's one: its
        # NOWAIT retries need it): every lock_impl runs its block in ``atomic()``.
        with flow.lock(process.pk):
            yield
    except FlowLockFailed as exc:
        raise ApplicationError(BUSY, code="busy") from exc


def process_for(referral) -> ReferralProcess:
    """The process of a referral (instance or pk). ApplicationError when it has none."""
    process = (
        ReferralProcess.objects.filter(
            flow_class=selectors.flow(), artifact_object_id=getattr(referral, "pk", referral)
        )
        .order_by("-pk")
        .first()
    )
    if process is None:
        raise ApplicationError(_("Aucun circuit pour cette orientation."), code="not_found")
    return process


def _active_tasks(process, node):
    return (
        selectors.flow()
        .task_class._default_manager.filter(process=process, flow_task=node, status__in=ACTIVE)
        .order_by("pk")
    )


def _support_task(track):
    """The open support task of a track (None when it has none)."""
    return (
        _active_tasks(process_for(track.referral_id), selectors.flow().support)
        .filter(artifact_object_id=track.pk)
        .first()
    )


def _track(track) -> SupportTrack:
    pk = getattr(track, "pk", track)
    found = SupportTrack.objects.filter(pk=pk).first()
    if found is None:
        raise ApplicationError(_("Accompagnement introuvable."), code="not_found")
    return found


def track_of(task) -> SupportTrack:
    """The track a support task carries."""
    return SupportTrack.objects.select_related("referral").get(pk=(task.data or {})["track"])


def _fresh_task(task):
    return type(task)._default_manager.select_related("process").get(pk=task.pk)


def _open_tracks(*, referral, domains, actor, transition: str) -> None:
    """Open one track per domain, audited in the role of the referral's ``transition``."""
    role = acting_role(actor, transition_rules(Referral, transition)["roles"])
    for domain in domains:
        track_services.track_open(referral=referral, domain=domain, actor=actor, role=role)


def _execute(task, actor) -> None:
    """Complete a human task now (assigning it to ``actor`` first when nobody holds it)."""
    activation = task.flow_task.activation_class(task)
    if task.status == STATUS.NEW:
        activation.assign(actor or task.owner)
    if activation.task.status == STATUS.ASSIGNED:
        activation.start(None)
    activation.execute()


# --- registering --------------------------------------------------------------------------


def referral_start(*, actor, **fields):
    """Register a referral (cell liaison) and start its process from code (demo, imports,
    test builders): the triage task enters the coordinators' queue. Returns the process."""
    with transaction.atomic():
        referral = referral_services.referral_register(actor=actor, **fields)
        process = selectors.flow().register_from_code.run(referral=referral)
        notify_new_in_queue(process=process)
    return process


@transaction.atomic
def register_complete(*, actor, activation, **fields) -> Referral:
    """The register page's start task: register the referral, attach it to the process,
    finish the task (the triage task enters the coordinators' queue)."""
    referral = referral_services.referral_register(actor=actor, **fields)
    activation.process.artifact = referral
    activation.execute()
    notify_new_in_queue(process=activation.process)
    return referral


def referral_record_agreement(*, actor, referral, agreement, agreement_date) -> Referral:
    """Record the person's or family's agreement (or refusal), with its date."""
    with _case_locked(process_for(referral)):
        return referral_services.referral_record_agreement(
            actor=actor, referral=referral, agreement=agreement, agreement_date=agreement_date
        )


# --- taking tasks -------------------------------------------------------------------------


def _task_event(*, actor, task, operation: str) -> None:
    """One ``task`` event per take, reassignment or release of a task (whatever the node):
    the task id, the referral's reference, the node's name as code."""
    node_role = getattr(task.flow_task, "role", "")
    role = acting_role(actor, [node_role, Role.COORDINATOR] if node_role else Role.values)
    process = task.process
    referral = process.artifact if process.artifact_object_id else None
    audit_record(
        actor=actor,
        role=role or AuditRole.NO_ROLE,
        action=AuditAction.TASK,
        object_type=ObjectType.TASK,
        object_id=task.pk,
        reference=getattr(referral, "reference", ""),
        transition=operation,
        code=task.flow_task.name,
    )


def task_take(*, actor, task) -> None:
    """Take a task from a queue: a member takes the support track (domain, capacity); the
    coordinator takes the triage (the assessment starts); a cell liaison takes the review.
    Who may take a node is decided by the node (``RoleTaskNode.can_assign``), once."""
    with _case_locked(task.process):
        task = _fresh_task(task)
        flow = selectors.flow()
        if task.status != STATUS.NEW or task.owner_id:
            raise ApplicationError(_("Cette tâche est déjà prise en charge."), code="already_taken")
        if not task.flow_task.can_assign(actor, task):
            raise ApplicationError(_("Cette tâche ne vous est pas destinée."), code="forbidden")
        if task.flow_task == flow.support:
            track = track_of(task)
            referral_services.referral_lock(referral=track.referral_id)
            track_services.track_take(actor=actor, track=track)
        elif task.flow_task == flow.triage:
            referral = referral_services.referral_lock(referral=task.process.artifact_object_id)
            if referral.state == ReferralState.RECEIVED:
                referral_services.referral_start_assessment(actor=actor, referral=referral)
        task.flow_task.activation_class(task).assign(actor)
        _task_event(actor=actor, task=task, operation=TaskOperation.ASSIGN)


def task_unassign(*, actor, task) -> None:
    """Put a triage or review task back in its queue (its holder). A support task is
    released on its track page instead (a coded reason is required)."""
    with _case_locked(task.process):
        task = _fresh_task(task)
        if not task.flow_task.can_unassign(actor, task):
            raise ApplicationError(_("Vous ne pouvez pas remettre cette tâche."), code="forbidden")
        task.flow_task.activation_class(task).unassign()
        _task_event(actor=actor, task=task, operation=TaskOperation.UNASSIGN)


# --- triage and review (task completions) ---------------------------------------------------

TRIAGE_OPEN, TRIAGE_RETURN = "open_support", "return_to_cell"
REVIEW_CONTINUE, REVIEW_CLOSE = "continue", "close"


def _held_task(task, actor):
    """The task, fresh, under the caller's lock; only its holder may complete it."""
    task = _fresh_task(task)
    if task.status not in (STATUS.ASSIGNED, STATUS.STARTED):
        raise ApplicationError(
            _("Cette tâche a déjà été traitée : rien n'a été enregistré."), code="already_done"
        )
    if task.owner_id != getattr(actor, "pk", None):
        raise ApplicationError(_("Cette tâche ne vous est pas attribuée."), code="forbidden")
    return task


def triage_complete(*, actor, task, decision, reason="", domains=()) -> None:
    """Finish the triage task: return to the cell (coded reason) or open support with one
    track (and one support task, in its domain's queue) per chosen domain."""
    with _case_locked(task.process):
        task = _held_task(task, actor)
        referral = referral_services.referral_lock(referral=task.process.artifact_object_id)
        if decision == TRIAGE_RETURN:
            referral_services.referral_return_to_cell(actor=actor, referral=referral, reason=reason)
        elif decision == TRIAGE_OPEN:
            codes = referral_services.referral_domains_check(
                domains=domains if domains is not None else referral.requested_domains
            )
            referral = referral_services.referral_open_support(actor=actor, referral=referral)
            _open_tracks(referral=referral, domains=codes, actor=actor, transition="open_support")
        else:
            raise ApplicationError(_("Décision inconnue."), field="decision")
        _execute(task, actor)
        if decision == TRIAGE_OPEN:
            notify_new_in_queue(process=task.process)


def review_complete(*, actor, task, decision, code="", domains=()) -> None:
    """Finish the review task: continue (new tracks for ``domains``; at least one track must
    then be running, and a domain already running is refused) or close (closure code)."""
    with _case_locked(task.process):
        task = _held_task(task, actor)
        referral = referral_services.referral_lock(referral=task.process.artifact_object_id)
        if decision == REVIEW_CLOSE:
            referral_services.referral_close(actor=actor, referral=referral, code=code)
        elif decision == REVIEW_CONTINUE:
            codes = referral_services.referral_domains_check(
                domains=domains, running=running_domains(referral=referral)
            )
            referral = referral_services.referral_continue(actor=actor, referral=referral)
            _open_tracks(
                referral=referral, domains=codes, actor=actor, transition="continue_support"
            )
        else:
            raise ApplicationError(_("Décision inconnue."), field="decision")
        _execute(task, actor)
        if decision == REVIEW_CONTINUE:
            notify_new_in_queue(process=task.process)


# --- reviews --------------------------------------------------------------------------------


def _review_fire(*, process, actor) -> None:
    """Under the lock: move the referral to review and create the cell's review task."""
    flow = selectors.flow()
    referral_services.referral_request_review(actor=actor, referral=process.artifact_object_id)
    pending = _active_tasks(process, flow.review_request).first()
    if pending is None:
        raise ApplicationError(_("Aucune demande de bilan en attente."), code="invalid_state")
    flow.review_request.run(pending)
    notify_new_in_queue(process=process)


def review_fire(*, process, actor) -> None:
    """Request the review now (coordinator, or the system at the review date or when the
    last track ends): ``in_support → in_review`` and the review task in the cell's queue."""
    with _case_locked(process):
        _review_fire(process=process, actor=actor)


def process_request_review(*, actor, referral) -> None:
    review_fire(process=process_for(referral), actor=actor)


# --- support tracks -----------------------------------------------------------------------


@contextmanager
def _track_locked(track):
    """Process lock, transaction, referral lock; yields the track (fresh)."""
    track = _track(track)
    with _case_locked(process_for(track.referral_id)):
        referral_services.referral_lock(referral=track.referral_id)
        yield track


def track_assign(*, actor, track, member) -> None:
    """The coordinator gives a track to an eligible member (assign if open, else reassign);
    the member's inbox gets the task."""
    with _track_locked(track) as track:
        task = _support_task(track)
        if task is None:
            raise ApplicationError(_("Cet accompagnement n'a plus de tâche en cours."))
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            track_services.track_assign(actor=actor, track=track, member=member)
            activation.assign(member)
            _task_event(actor=actor, task=task, operation=TaskOperation.ASSIGN)
        else:
            track_services.track_reassign(actor=actor, track=track, member=member)
            activation.reassign(user=member)
            _task_event(actor=actor, task=task, operation=TaskOperation.REASSIGN)
        notify_assigned(user=member)


def track_first_contact_record(*, actor, track, occurred_on, kind):
    """The holder records the first contact that took place: ``assigned → active``."""
    with _track_locked(track) as track:
        return track_services.track_record_first_contact(
            actor=actor, track=track, occurred_on=occurred_on, kind=kind
        )


def track_contact_record(*, actor, track, occurred_on, kind, attended=True):
    """The holder records a further contact on an active track."""
    with _track_locked(track) as track:
        return track_services.track_record_contact(
            actor=actor, track=track, occurred_on=occurred_on, kind=kind, attended=attended
        )


def track_hold(*, actor, track, reason) -> None:
    with _track_locked(track) as track:
        track_services.track_hold(actor=actor, track=track, reason=reason)


def track_resume(*, actor, track) -> None:
    with _track_locked(track) as track:
        track_services.track_resume(actor=actor, track=track)


def track_release(*, actor, track, reason) -> None:
    """The holder (or the coordinator) puts an assigned track back in its domain's queue;
    its task goes back to the queue too."""
    with _track_locked(track) as track:
        task = _support_task(track)
        track_services.track_release(actor=actor, track=track, reason=reason)
        if task is not None and task.owner_id:
            task.flow_task.activation_class(task).unassign()
            _task_event(actor=actor, task=task, operation=TaskOperation.UNASSIGN)
        notify_new_in_queue(process=process_for(track.referral_id))


def track_complete(*, actor, track, outcome) -> None:
    """The holder ends an active track with an outcome; its task completes (the review is
    requested when it was the last running track)."""
    with _track_locked(track) as track:
        task = _support_task(track)
        track_services.track_complete(actor=actor, track=track, outcome=outcome)
        if task is not None:
            _execute(task, actor)


def track_interrupt(*, actor, track, reason) -> None:
    """The holder, the coordinator or the cell interrupts a track (coded reason); its task
    completes."""
    with _track_locked(track) as track:
        task = _support_task(track)
        track_services.track_interrupt(actor=actor, track=track, reason=reason)
        if task is not None:
            _execute(task, actor)


# --- whole-process actions of the coordinator and the cell -------------------------------


@contextmanager
def _referral_locked(referral):
    process = process_for(referral)
    with _case_locked(process):
        yield process, referral_services.referral_lock(referral=process.artifact_object_id)


def process_suspend(*, actor, referral, reason) -> None:
    with _referral_locked(referral) as (_process, referral):
        referral_services.referral_suspend(actor=actor, referral=referral, reason=reason)


def process_resume(*, actor, referral) -> None:
    """Resume support; if every track ended meanwhile, the review is requested at once."""
    with _referral_locked(referral) as (process, referral):
        referral = referral_services.referral_resume(actor=actor, referral=referral)
        if (
            not running_domains(referral=referral)
            and _active_tasks(process, selectors.flow().review_request).exists()
        ):
            _review_fire(process=process, actor=None)


def process_withdraw(*, actor, referral, reason) -> None:
    """The cell withdraws the referral: running tracks are interrupted (same reason, one
    audit event each) and the process is cancelled with its pending tasks (``Flow.cancel``)."""
    with _referral_locked(referral) as (process, referral):
        referral = referral_services.referral_withdraw(
            actor=actor, referral=referral, reason=reason
        )
        role = acting_role(actor, transition_rules(Referral, "withdraw")["roles"])
        track_services.tracks_interrupt_for_withdrawal(
            referral=referral, actor=actor, role=role, reason=reason
        )
        process.refresh_from_db()
        selectors.flow().instance.cancel(process)


def process_close(*, actor, referral, code) -> None:
    """The cell closes a suspended or reviewed referral from its case page (every track
    ended). A pending review request fires and the review task completes with the closure,
    so the process ends through its own graph (``review → end``)."""
    with _referral_locked(referral) as (process, referral):
        referral_services.referral_close(actor=actor, referral=referral, code=code)
        flow = selectors.flow()
        pending = _active_tasks(process, flow.review_request).first()
        if pending is not None:
            flow.review_request.run(pending)
        for task in _active_tasks(process, flow.review):
            _execute(task, actor)


def referral_correct(*, actor, referral, field, value, reason) -> Referral:
    """The cell corrects one coded registration datum with a coded reason (audited, under the
    case's process lock): ``referrals.services.referral_correct``."""
    with _case_locked(process_for(referral)):
        return referral_services.referral_correct(
            actor=actor, referral=referral, field=field, value=value, reason=reason
        )
