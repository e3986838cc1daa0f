"""Every write on a support track, and only on tracks and contacts. Each public function runs
in its caller's transaction (or its own when called alone; no savepoint: ``core.transactions``)
and locks the track row, then the member's profile when capacity matters;
checks role, holder, state, code and guards; runs the transition; saves; writes one audit
event. Refusals raise ApplicationError, changing nothing.

Internal to the domain: the one public write API is ``workflows.services``, which calls these
functions under the process lock after locking the referral (lock order process → referral →
track → member profile), and moves the viewflow tasks with them. Only ``workflows`` (and this
app's unit tests) import this module; it does not import the referrals app.
"""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from audit.vocabularies import AuditAction, ObjectType
from core.deadlines import due_date
from core.errors import ApplicationError
from core.prepared import locked_get
from core.roles import Role
from core.transactions import joined
from directory.models import MemberProfile
from support.models import Contact, SupportTrack
from support.selectors import held_track_count, member_refusal
from support.vocabularies import ENDED_STATES, TrackState
from transitions.runner import acting_role, run_transition, transition_rules


def _lock(track) -> SupportTrack:
    """The track row locked, with its referral read in the same query (the caller holds the
    referral's lock: workflows.services)."""
    pk = track.pk if isinstance(track, SupportTrack) else track
    try:
        return locked_get(SupportTrack, pk, related=("referral",))
    except SupportTrack.DoesNotExist as exc:
        raise ApplicationError(_("Accompagnement introuvable."), code="not_found") from exc


def _lock_profile(member) -> MemberProfile | None:
    return (
        MemberProfile.objects.select_for_update(of=("self",))
        .select_related("organisation", "user")
        .filter(user=member)
        .first()
    )


def _role_for(actor, track: SupportTrack, name: str) -> str | None:
    """The role the actor acts in; a member acts only on the tracks they hold."""
    allowed = list(transition_rules(SupportTrack, name)["roles"])
    if Role.MEMBER in allowed and track.holder_id != getattr(actor, "pk", None):
        allowed.remove(Role.MEMBER)
        role = acting_role(actor, allowed)
        if role is None and track.holder_id and acting_role(actor, (Role.MEMBER,)):
            raise ApplicationError(
                _("Cet accompagnement est pris en charge par un autre membre."),
                code="forbidden",
            )
        return role
    return acting_role(actor, allowed)


def _transition(track: SupportTrack, name: str, *, actor, code: str = "", args=(), role=None):
    if role is None:
        role = _role_for(actor, track, name) or ""
    return run_transition(
        instance=track,
        name=name,
        actor=actor,
        object_type=ObjectType.SUPPORT_TRACK,
        reference=track.referral.reference,
        code=code,
        # "" (no role) must stay a refusal: None would let run_transition pick ``member``
        # again for a member who does not hold the track.
        role=role,
        args=args,
        state_label=lambda s: TrackState(s).label,
    )


def track_open(*, referral, domain: str, actor, role: str) -> SupportTrack:
    """Open a track in a domain's queue. Called by workflows.services right after the
    referral's transition, in its transaction and under its lock of the referral; ``role``
    is the role of that transition."""
    track = SupportTrack.objects.create(
        referral=referral,
        domain=domain,
        take_due_on=due_date("take"),
    )
    audit_record(
        actor=actor,
        role=role,
        action=AuditAction.CREATE,
        object_type=ObjectType.SUPPORT_TRACK,
        object_id=track.pk,
        reference=referral.reference,
        transition="open",
        to_state=track.state,
        code=domain,
    )
    return track


def _eligible_profile(member, track) -> MemberProfile:
    profile = _lock_profile(member)
    refusal = member_refusal(
        profile=profile, domain=track.domain, held=held_track_count(member=member)
    )
    if refusal:
        raise ApplicationError(refusal, code="not_eligible")
    return profile


def _already_taken(track):
    if track.state in ENDED_STATES:
        raise ApplicationError(_("Cet accompagnement est terminé."), code="invalid_state")
    if track.state != TrackState.OPEN:
        raise ApplicationError(
            _("Cet accompagnement est déjà pris en charge."), code="already_taken"
        )


@joined
def track_take(*, actor, track) -> SupportTrack:
    """A member takes an open track of one of their domains, within their capacity."""
    track = _lock(track)
    if acting_role(actor, (Role.MEMBER,)) is None:
        raise ApplicationError(
            _("Seul un membre du groupe opérationnel peut prendre un accompagnement."),
            code="forbidden",
        )
    _already_taken(track)
    profile = _eligible_profile(actor, track)
    _transition(
        track,
        "take",
        actor=actor,
        role=Role.MEMBER,
        args=(actor, profile.organisation, due_date("first_contact")),
    )
    return track


@joined
def track_assign(*, actor, track, member) -> SupportTrack:
    """The coordinator assigns an open track to an eligible member."""
    track = _lock(track)
    if acting_role(actor, (Role.COORDINATOR,)) is None:
        raise ApplicationError(
            _("Seul le coordinateur attribue un accompagnement."), code="forbidden"
        )
    _already_taken(track)
    profile = _eligible_profile(member, track)
    _transition(
        track,
        "assign",
        actor=actor,
        role=Role.COORDINATOR,
        args=(member, profile.organisation, due_date("first_contact")),
    )
    return track


@joined
def track_reassign(*, actor, track, member) -> SupportTrack:
    """The coordinator gives a held track to another eligible member; the state is kept."""
    track = _lock(track)
    if acting_role(actor, (Role.COORDINATOR,)) is None:
        raise ApplicationError(
            _("Seul le coordinateur réattribue un accompagnement."), code="forbidden"
        )
    if track.holder_id == getattr(member, "pk", None):
        raise ApplicationError(_("Ce membre tient déjà cet accompagnement."), field="member")
    if track.state in ENDED_STATES or track.state == TrackState.OPEN:
        raise ApplicationError(
            _("Seul un accompagnement pris en charge peut être réattribué."), code="invalid_state"
        )
    profile = _eligible_profile(member, track)
    _transition(
        track, "reassign", actor=actor, role=Role.COORDINATOR, args=(member, profile.organisation)
    )
    return track


@joined
def track_release(*, actor, track, reason: str) -> SupportTrack:
    """The holder (or the coordinator) puts an assigned track back in its queue."""
    track = _lock(track)
    _transition(track, "release", actor=actor, code=reason, args=(reason,))
    return track


def _check_contact_date(track, occurred_on: date):
    if not isinstance(occurred_on, date):
        raise ApplicationError(_("Indiquez la date du contact."), field="occurred_on")
    if occurred_on > timezone.localdate():
        raise ApplicationError(
            _("La date du contact ne peut pas être future."), field="occurred_on"
        )
    if occurred_on < track.referral.received_on:
        raise ApplicationError(
            _("La date du contact précède la réception de l'orientation."), field="occurred_on"
        )


@joined
def track_record_first_contact(*, actor, track, occurred_on: date, kind: str) -> Contact:
    """The holder records the first contact that took place: ``assigned → active``."""
    track = _lock(track)
    _check_contact_date(track, occurred_on)
    _transition(track, "record_first_contact", actor=actor, code=kind)
    return Contact.objects.create(
        track=track, occurred_on=occurred_on, kind=kind, attended=True, recorded_by=actor
    )


@joined
def track_record_contact(
    *, actor, track, occurred_on: date, kind: str, attended: bool = True
) -> Contact:
    """The holder records a further contact on an active track (state unchanged)."""
    track = _lock(track)
    _check_contact_date(track, occurred_on)
    _transition(track, "record_contact", actor=actor, code=kind)
    return Contact.objects.create(
        track=track, occurred_on=occurred_on, kind=kind, attended=bool(attended), recorded_by=actor
    )


@joined
def track_hold(*, actor, track, reason: str) -> SupportTrack:
    track = _lock(track)
    _transition(track, "hold", actor=actor, code=reason, args=(reason,))
    return track


@joined
def track_resume(*, actor, track) -> SupportTrack:
    track = _lock(track)
    _transition(track, "resume", actor=actor)
    return track


@joined
def track_complete(*, actor, track, outcome: str) -> SupportTrack:
    """The holder ends an active track with an outcome code."""
    track = _lock(track)
    _transition(track, "complete", actor=actor, code=outcome, args=(outcome,))
    return track


@joined
def track_interrupt(*, actor, track, reason: str) -> SupportTrack:
    """The holder or the coordinator interrupts a track with a reason code."""
    track = _lock(track)
    _transition(track, "interrupt", actor=actor, code=reason, args=(reason,))
    return track


def tracks_interrupt_for_withdrawal(*, referral, actor, role: str, reason: str) -> int:
    """Interrupt every running track of a withdrawn referral with the withdrawal's reason.

    Called by workflows.services right after the withdrawal, inside its transaction and
    under its referral lock; ``role`` is the role of the withdrawal.
    """
    tracks = (
        SupportTrack.objects.select_for_update(of=("self",)).filter(referral=referral).running()
    )
    count = 0
    for track in tracks:
        track.referral = referral
        _transition(track, "interrupt", actor=actor, role=role, code=reason, args=(reason,))
        count += 1
    return count
