"""Build referrals and support tracks in any state, through the public write API only
(``workflows.services``), so that every referral has its process and its tasks.

Tests read as ``referral_in_state("suspended")`` or ``track_in_state("active")``: each
builder registers a referral as the cell liaison, triages it as the coordinator and lets a
member carry the track, exactly as the real process would. ``snapshot``/``assert_unchanged``
check that a refused call changed nothing (rows, contacts, audit chain).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from django.forms.models import model_to_dict
from django.utils import timezone

from audit.models import AuditEvent, ChainHead
from core.roles import Role
from directory.vocabularies import SupportDomain
from referrals.models import Referral
from referrals.vocabularies import (
    AgeBracket,
    Agreement,
    ClosureCode,
    PlaceTypology,
    Priority,
    ReferralState,
    ReturnReason,
    SuspensionReason,
    YesNoUnknown,
)
from support.models import Contact, SupportTrack
from support.vocabularies import (
    ContactKind,
    HoldReason,
    InterruptionReason,
    Outcome,
    TrackState,
)
from tests.factories import UserFactory, commune, user_with_role
from workflows import services as ws
from workflows.selectors import flow_tasks

R = ReferralState
T = TrackState

_references = itertools.count(1)


def new_reference() -> str:
    """A fresh valid pseudonymous reference (``VAL-2026-0001``, ``VAL-2026-0002``, …)."""
    return f"VAL-2026-{next(_references) % 10000:04d}"


@dataclass
class Cast:
    """The people of a scenario: one cell liaison, one coordinator, one member."""

    cell: object = None
    coordinator: object = None
    member: object = None
    _others: dict = field(default_factory=dict)

    def __post_init__(self):
        self.cell = self.cell or user_with_role(Role.CELL_LIAISON)
        self.coordinator = self.coordinator or user_with_role(Role.COORDINATOR)
        self.member = self.member or user_with_role(Role.MEMBER)

    def actor(self, who: str):
        """A user by role name (``member`` is the cast's member), or ``…_member`` (another
        member, one per name), ``nobody`` (no role) and ``system`` (``None``)."""
        if who == "system":
            return None
        known = {
            Role.CELL_LIAISON.value: self.cell,
            Role.COORDINATOR.value: self.coordinator,
            Role.MEMBER.value: self.member,
        }
        if who in known:
            return known[who]
        if who not in self._others:
            if who.endswith("_member"):
                self._others[who] = user_with_role(Role.MEMBER)
            elif who == "nobody":
                self._others[who] = UserFactory()
            else:
                self._others[who] = user_with_role(Role(who))
        return self._others[who]


def registration_fields(**overrides) -> dict:
    """Valid keyword arguments of ``referral_register`` (agreement recorded today)."""
    values = {
        "reference": new_reference(),
        "commune": commune(),
        "age_bracket": AgeBracket.FROM_13_TO_17,
        "place_typology": PlaceTypology.PRIORITY_NEIGHBOURHOOD,
        "family_involved": YesNoUnknown.YES,
        "released_from_prison": YesNoUnknown.NO,
        "family_asked_for_help": YesNoUnknown.UNKNOWN,
        "requested_domains": [SupportDomain.SOCIAL],
        "priority": Priority.NORMAL,
        "agreement": Agreement.PERSON_AGREED,
        "agreement_date": timezone.localdate(),
    }
    values.update(overrides)
    return values


def register(cast: Cast, **overrides) -> Referral:
    """A referral registered by the cell, its process started (triage task in the queue)."""
    process = ws.referral_start(actor=cast.cell, **registration_fields(**overrides))
    return Referral.objects.get(pk=process.artifact_object_id)


def task_of(referral, node_name: str, *, track=None):
    """The open task of ``node_name`` in the referral's process (of ``track`` for support)."""
    tasks = flow_tasks().filter(
        process__artifact_object_id=referral.pk, status__in=["NEW", "ASSIGNED", "STARTED"]
    )
    found = [
        task
        for task in tasks.order_by("pk")
        if task.flow_task.name == node_name
        and (track is None or task.artifact_object_id == track.pk)
    ]
    assert found, f"no open {node_name} task"
    return found[-1]


def take_track(member, track) -> None:
    """``member`` takes the track from its domain's queue (its support task)."""
    ws.task_take(actor=member, task=task_of(track.referral, "support", track=track))


def _fresh(referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def referral_in_state(
    state: str, cast: Cast | None = None, *, domains=(SupportDomain.SOCIAL,), **overrides
) -> Referral:
    """A referral brought to ``state`` through the public API (agreement recorded).

    From ``in_support`` on, the referral has one open track per domain of ``domains``
    (``in_review``: requested by the coordinator, the tracks still open). A ``closed``
    referral had its tracks interrupted (which fired the review) and was closed at review.
    """
    cast = cast or Cast()
    referral = register(cast, requested_domains=list(domains), **overrides)
    if state == R.RECEIVED:
        return referral
    if state == R.WITHDRAWN:
        ws.process_withdraw(actor=cast.cell, referral=referral, reason="cell_decision")
        return _fresh(referral)
    ws.task_take(actor=cast.coordinator, task=task_of(referral, "triage"))
    if state == R.IN_ASSESSMENT:
        return _fresh(referral)
    triage = task_of(referral, "triage")
    if state == R.RETURNED:
        ws.triage_complete(
            actor=cast.coordinator,
            task=triage,
            decision="return_to_cell",
            reason=ReturnReason.OUTSIDE_SCOPE,
        )
        return _fresh(referral)
    ws.triage_complete(
        actor=cast.coordinator, task=triage, decision="open_support", domains=list(domains)
    )
    if state == R.IN_SUPPORT:
        return _fresh(referral)
    if state == R.SUSPENDED:
        ws.process_suspend(
            actor=cast.coordinator, referral=referral, reason=SuspensionReason.HOSPITALISATION
        )
        return _fresh(referral)
    if state == R.IN_REVIEW:
        ws.process_request_review(actor=cast.coordinator, referral=referral)
        return _fresh(referral)
    if state == R.CLOSED:
        for track in referral.tracks.all():
            ws.track_interrupt(
                actor=cast.coordinator, track=track, reason=InterruptionReason.PERSON_REFUSED
            )
        review = task_of(referral, "review")
        ws.task_take(actor=cast.cell, task=review)
        ws.review_complete(
            actor=cast.cell, task=review, decision="close", code=ClosureCode.GOALS_REACHED
        )
        return _fresh(referral)
    raise ValueError(f"unknown referral state {state!r}")


def track_in_state(
    state: str, cast: Cast | None = None, *, referral_state: str = R.IN_SUPPORT
) -> SupportTrack:
    """The social track of a referral in support, brought to ``state`` by ``cast.member``,
    who holds it in every state but ``open`` (an ended track keeps its last holder); the
    referral is then moved to ``referral_state`` (``in_support``, ``in_review`` or
    ``suspended``).

    As in the real process, the end of the last running track requests the review: so an
    ended social track comes with a second, open educational track, unless the referral is
    wanted in review."""
    cast = cast or Cast()
    ended = state in (T.COMPLETED, T.INTERRUPTED)
    domains = (SupportDomain.SOCIAL,)
    if ended and referral_state != R.IN_REVIEW:
        domains = (SupportDomain.SOCIAL, SupportDomain.EDUCATIONAL)
    referral = referral_in_state(R.IN_SUPPORT, cast, domains=domains)
    track = referral.tracks.get(domain=SupportDomain.SOCIAL)
    if state != T.OPEN:
        take_track(cast.member, track)
        if state != T.ASSIGNED:
            ws.track_first_contact_record(
                actor=cast.member,
                track=track,
                occurred_on=timezone.localdate(),
                kind=ContactKind.INTERVIEW,
            )
            if state == T.ON_HOLD:
                ws.track_hold(actor=cast.member, track=track, reason=HoldReason.AWAITING_PARTNER)
            elif state == T.COMPLETED:
                ws.track_complete(actor=cast.member, track=track, outcome=Outcome.GOALS_REACHED)
            elif state == T.INTERRUPTED:
                ws.track_interrupt(
                    actor=cast.member, track=track, reason=InterruptionReason.NO_CONTACT_POSSIBLE
                )
            elif state != T.ACTIVE:
                raise ValueError(f"unknown track state {state!r}")
    if referral_state == R.IN_REVIEW:
        if _fresh(referral).state != R.IN_REVIEW:  # an ended last track already asked for it
            ws.process_request_review(actor=cast.coordinator, referral=referral)
    elif referral_state == R.SUSPENDED:
        ws.process_suspend(
            actor=cast.coordinator, referral=referral, reason=SuspensionReason.INCARCERATION
        )
    elif referral_state != R.IN_SUPPORT:
        raise ValueError(f"unsupported referral state {referral_state!r}")
    return SupportTrack.objects.get(pk=track.pk)


# --- "nothing changed" -------------------------------------------------------------------
def _row(obj) -> dict:
    fresh = type(obj).objects.get(pk=obj.pk)
    return model_to_dict(fresh, fields=[f.name for f in fresh._meta.concrete_fields])


def snapshot(referral: Referral) -> dict:
    """Everything a transition on this referral or its tracks could change."""
    referral_id = referral.pk if isinstance(referral, Referral) else referral
    ref = Referral.objects.get(pk=referral_id)
    tracks = SupportTrack.objects.filter(referral=ref).order_by("pk")
    return {
        "referral": _row(ref),
        "tracks": [_row(t) for t in tracks],
        "contacts": list(Contact.objects.filter(track__referral=ref).order_by("pk").values()),
        "audit_count": AuditEvent.objects.count(),
        "audit_last": AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first(),
        "head": ChainHead.objects.filter(pk=1).values_list("seq", "hash").first(),
    }


def assert_unchanged(before: dict, referral) -> None:
    after = snapshot(referral)
    assert after == before


def new_events(since_count: int):
    """Audit events appended after the chain had ``since_count`` events, in order."""
    return list(AuditEvent.objects.order_by("seq")[since_count:])
