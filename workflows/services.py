"""Process-level operations: each takes the flow lock (the process row), then calls exactly
one referral or support service, then moves the viewflow tasks accordingly — all in one
transaction, so a state, its audit event and its task change commit together or not at all.

Lock order is always process → referral → track → member profile (no deadlocks).
"""

from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.status import PROCESS, STATUS

from core.errors import ApplicationError
from referrals import services as referral_services
from referrals.vocabularies import ReferralState
from support import services as track_services
from support.models import SupportTrack
from support.vocabularies import ENDED_STATES
from workflows.models import ReferralProcess
from workflows.notifications import notify_assigned, notify_new_in_queue

ACTIVE = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def _flow():
    from workflows.flows import ReferralFlow

    return ReferralFlow


def process_for(referral) -> ReferralProcess:
    process = (
        ReferralProcess.objects.filter(
            flow_class=_flow(), artifact_object_id=getattr(referral, "pk", referral)
        )
        .order_by("-pk")
        .first()
    )
    if process is None:
        raise ApplicationError(_("Aucun circuit pour cette orientation."), code="not_found")
    return process


def _active_tasks(process, node):
    return _flow().task_class._default_manager.filter(
        process=process, flow_task=node, status__in=ACTIVE
    )


def support_task_for(track) -> object | None:
    process = process_for(track.referral_id)
    for task in _active_tasks(process, _flow().support):
        if (task.data or {}).get("track") == track.pk:
            return task
    return None


def track_of(task) -> SupportTrack:
    return SupportTrack.objects.select_related("referral").get(pk=(task.data or {})["track"])


@transaction.atomic
def referral_start(*, actor, **fields):
    """Register a referral (cell) and start its process from code (demo, imports): the
    triage task enters the coordinators' queue."""
    referral = referral_services.referral_register(actor=actor, **fields)
    process = _flow().register_from_code.run(referral=referral)
    notify_new_in_queue(process=process)
    return process


@transaction.atomic
def register_complete(*, actor, activation, **fields):
    """The register page's start task: register the referral, attach it to the process,
    finish the task (the triage task enters the coordinators' queue)."""
    referral = referral_services.referral_register(actor=actor, **fields)
    activation.process.artifact = referral
    activation.execute()
    notify_new_in_queue(process=activation.process)
    return referral


# --- taking tasks -----------------------------------------------------------------------


def task_take(*, actor, task) -> None:
    """Take a task from a queue. Support: the member takes the track (domain, capacity);
    triage: the coordinator starts the assessment; review: the cell liaison takes it.
    Must run inside viewflow's task wrapper (flow lock held)."""
    flow = _flow()
    if task.status != STATUS.NEW or task.owner_id:
        raise ApplicationError(_("Cette tâche est déjà prise en charge."), code="already_taken")
    if not task.flow_task.can_assign(actor, task):
        raise ApplicationError(_("Cette tâche ne vous est pas destinée."), code="forbidden")
    if task.flow_task == flow.support:
        track_services.track_take(actor=actor, track=track_of(task))
    elif task.flow_task == flow.triage:
        referral = task.process.artifact
        if referral.state == ReferralState.RECEIVED:
            referral_services.referral_start_assessment(actor=actor, referral=referral)
    activation = task.flow_task.activation_class(task)
    activation.assign(actor)


def _with_lock(process):
    return _flow().lock(process.pk)


def support_task_assign(*, actor, track, member) -> None:
    """The coordinator gives a track to an eligible member (assign if open, else reassign);
    the member's inbox gets the task."""
    process = process_for(track.referral_id)
    with _with_lock(process), transaction.atomic():
        task = support_task_for(track)
        if task is None:
            raise ApplicationError(_("Cet accompagnement n'a plus de tâche en cours."))
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            track_services.track_assign(actor=actor, track=track, member=member)
            activation.assign(member)
        else:
            track_services.track_reassign(actor=actor, track=track, member=member)
            activation.reassign(user=member)
        notify_assigned(user=member)


def support_task_release(*, actor, track, reason) -> None:
    """The holder (or coordinator) puts the track back in its domain's queue."""
    process = process_for(track.referral_id)
    with _with_lock(process), transaction.atomic():
        task = support_task_for(track)
        track_services.track_release(actor=actor, track=track, reason=reason)
        if task is not None and task.owner_id:
            task.flow_task.activation_class(task).unassign()
        notify_new_in_queue(process=process)


def _finish_support_task(task, actor) -> None:
    """Complete the support task of an ended track, so the flow moves on (review check)."""
    if task is None:
        return
    activation = task.flow_task.activation_class(task)
    if task.status == STATUS.NEW:
        activation.assign(actor or task.owner)
    activation.start(None)
    activation.execute()


def support_track_end(*, actor, track, outcome=None, reason=None) -> None:
    """End a track (``outcome`` completes it, ``reason`` interrupts it) and its task."""
    process = process_for(track.referral_id)
    with _with_lock(process), transaction.atomic():
        task = support_task_for(track)
        if outcome is not None:
            track_services.track_complete(actor=actor, track=track, outcome=outcome)
        else:
            track_services.track_interrupt(actor=actor, track=track, reason=reason)
        _finish_support_task(task, actor)


# --- reviews ------------------------------------------------------------------------------


def review_fire(*, process, actor) -> None:
    """Move the referral to review and create the cell's review task (by the coordinator,
    by the system at the review date, or when the last track ends)."""
    flow = _flow()
    referral = process.artifact
    referral_services.referral_request_review(actor=actor, referral=referral)
    pending = _active_tasks(process, flow.review_request).first()
    if pending is None:
        raise ApplicationError(_("Aucune demande de bilan en attente."), code="invalid_state")
    flow.review_request.run(pending)
    notify_new_in_queue(process=process)


def process_request_review(*, actor, referral) -> None:
    process = process_for(referral)
    with _with_lock(process), transaction.atomic():
        review_fire(process=process, actor=actor)


# --- whole-process actions of the coordinator and the cell -------------------------------


def process_suspend(*, actor, referral, reason) -> None:
    process = process_for(referral)
    with _with_lock(process), transaction.atomic():
        referral_services.referral_suspend(actor=actor, referral=referral, reason=reason)


def process_resume(*, actor, referral) -> None:
    """Resume support; if every track ended meanwhile, the review is requested at once."""
    from support.selectors import running_domains

    process = process_for(referral)
    with _with_lock(process), transaction.atomic():
        referral = referral_services.referral_resume(actor=actor, referral=referral)
        if (
            not running_domains(referral=referral)
            and _active_tasks(process, _flow().review_request).exists()
        ):
            review_fire(process=process, actor=None)


def _cancel_open_tasks(process) -> None:
    from django.utils import timezone

    for task in _flow().task_class._default_manager.filter(process=process, status__in=ACTIVE):
        task.flow_task.activation_class(task).cancel()
    withdrawn = process.artifact.state == ReferralState.WITHDRAWN
    process.status = PROCESS.CANCELED if withdrawn else PROCESS.DONE
    process.finished = timezone.now()
    process.save(update_fields=["status", "finished"])


def process_withdraw(*, actor, referral, reason) -> None:
    """The cell withdraws the referral: running tracks are interrupted (same reason), every
    pending task is cancelled and the process ends."""
    process = process_for(referral)
    with _with_lock(process), transaction.atomic():
        referral_services.referral_withdraw(actor=actor, referral=referral, reason=reason)
        process.refresh_from_db()
        _cancel_open_tasks(process)


def process_close_suspended(*, actor, referral, code) -> None:
    """The cell closes a suspended referral (every track ended); pending tasks are cancelled."""
    process = process_for(referral)
    with _with_lock(process), transaction.atomic():
        referral = referral_services.referral_close(actor=actor, referral=referral, code=code)
        if any(t.state not in ENDED_STATES for t in referral.tracks.all()):
            raise ApplicationError(_("Des accompagnements sont encore en cours."))
        process.refresh_from_db()
        _cancel_open_tasks(process)


# --- task completions (called by the task pages, under viewflow's lock) -------------------

TRIAGE_OPEN, TRIAGE_RETURN = "open_support", "return_to_cell"
REVIEW_CONTINUE, REVIEW_CLOSE = "continue", "close"


@transaction.atomic
def triage_complete(*, actor, activation, decision, reason="", domains=()) -> None:
    """Finish the triage task: return to the cell (coded reason) or open support for the
    chosen domains (one support task each, in its domain's queue)."""
    referral = activation.process.artifact
    if decision == TRIAGE_RETURN:
        referral_services.referral_return_to_cell(actor=actor, referral=referral, reason=reason)
    elif decision == TRIAGE_OPEN:
        referral_services.referral_open_support(actor=actor, referral=referral, domains=domains)
    else:
        raise ApplicationError(_("Décision inconnue."), field="decision")
    activation.execute()
    if decision == TRIAGE_OPEN:
        notify_new_in_queue(process=activation.process)


@transaction.atomic
def review_complete(*, actor, activation, decision, code="", domains=()) -> None:
    """Finish the review task: continue (new tracks for ``domains``) or close (code)."""
    referral = activation.process.artifact
    if decision == REVIEW_CLOSE:
        referral_services.referral_close(actor=actor, referral=referral, code=code)
    elif decision == REVIEW_CONTINUE:
        referral_services.referral_continue(actor=actor, referral=referral, domains=domains)
    else:
        raise ApplicationError(_("Décision inconnue."), field="decision")
    activation.execute()
    if decision == REVIEW_CONTINUE:
        notify_new_in_queue(process=activation.process)


TRACK_ACTIONS = ("first_contact", "contact", "hold", "resume", "complete", "interrupt", "release")


@transaction.atomic
def track_task_act(*, actor, activation, action, data) -> str:
    """One action of the holder on the track page. Contacts and pauses keep the task open;
    an outcome or an interruption completes it; a release puts it back in the queue.
    Returns what happened to the task: "open", "done" or "released"."""
    track = track_of(activation.task)
    if action == "first_contact":
        track_services.track_record_first_contact(
            actor=actor, track=track, occurred_on=data["occurred_on"], kind=data["kind"]
        )
    elif action == "contact":
        track_services.track_record_contact(
            actor=actor,
            track=track,
            occurred_on=data["occurred_on"],
            kind=data["kind"],
            attended=data.get("attended", True),
        )
    elif action == "hold":
        track_services.track_hold(actor=actor, track=track, reason=data["code"])
    elif action == "resume":
        track_services.track_resume(actor=actor, track=track)
    elif action == "complete":
        track_services.track_complete(actor=actor, track=track, outcome=data["code"])
        activation.execute()
        return "done"
    elif action == "interrupt":
        track_services.track_interrupt(actor=actor, track=track, reason=data["code"])
        activation.execute()
        return "done"
    elif action == "release":
        track_services.track_release(actor=actor, track=track, reason=data["code"])
        # The page's activation was started in memory only; unassign the stored task.
        stored = type(activation.task)._default_manager.get(pk=activation.task.pk)
        stored.flow_task.activation_class(stored).unassign()
        notify_new_in_queue(process=activation.process)
        return "released"
    else:
        raise ApplicationError(_("Action inconnue."), code="unknown_action")
    return "open"
