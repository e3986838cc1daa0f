"""Case data for the monitoring tests, built only through the public write API
(``workflows.services``), each referral with its process, as the real flow would.

A ``Clock`` replaces ``django.utils.timezone.now`` while a scenario is built, so that audit
events, state changes and due dates land on chosen days (the services read the time through
``timezone.now()``/``timezone.localdate()``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from core.roles import Role
from directory.vocabularies import SupportDomain
from referrals.models import Referral
from referrals.vocabularies import (
    AgeBracket,
    Agreement,
    ClosureCode,
    PlaceTypology,
    ReturnReason,
    SuspensionReason,
    YesNoUnknown,
)
from support.vocabularies import ContactKind, InterruptionReason, Outcome
from tests.factories import MemberProfileFactory, OrganisationFactory, UserFactory, commune
from tests.referrals.builders import take_track, task_of
from workflows import services as ws

_references = itertools.count(1)


def new_reference() -> str:
    return f"VAL-2025-{next(_references) % 10000:04d}"


class Clock:
    """A controllable ``timezone.now``."""

    def __init__(self, start: datetime):
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs) -> None:
        self.current += timedelta(**kwargs)

    def set_day(self, day: date, hour: int = 10) -> None:
        self.current = datetime(day.year, day.month, day.day, hour, tzinfo=self.current.tzinfo)


@dataclass
class Cast:
    cell: object = None
    coordinator: object = None
    members: list = field(default_factory=list)

    @classmethod
    def create(cls, organisations: int = 2) -> Cast:
        cast = cls(
            cell=UserFactory(roles=[Role.CELL_LIAISON]),
            coordinator=UserFactory(roles=[Role.COORDINATOR]),
        )
        for i in range(organisations):
            profile = MemberProfileFactory(
                organisation=OrganisationFactory(name=f"Organisation de test {i}"),
                domains=list(SupportDomain.values),
                capacity=50,
            )
            cast.members.append(profile.user)
        return cast


@dataclass
class Case:
    """What to build: the referral's coded attributes, the day it is received and how far it
    goes (``state``), plus what happens to its tracks."""

    state: str = "received"
    received_on: date | None = None
    insee: str = "59606"
    age_bracket: str = AgeBracket.FROM_13_TO_17
    place_typology: str = PlaceTypology.PRIORITY_NEIGHBOURHOOD
    family_involved: str = YesNoUnknown.YES
    released_from_prison: str = YesNoUnknown.NO
    family_asked_for_help: str = YesNoUnknown.UNKNOWN
    domains: tuple = (SupportDomain.SOCIAL,)
    # Track fate, for referrals in support or beyond: "open", "assigned", "active",
    # "completed" or "interrupted"; and the member (index in cast.members) who takes them.
    track: str = "open"
    member: int = 0
    outcome: str = Outcome.GOALS_REACHED
    # Days between successive steps (the clock advances by this much before each step).
    step_days: int = 3


def build(cast: Cast, case: Case, clock: Clock) -> Referral:
    """Register a referral on ``case.received_on`` and bring it to ``case.state``.

    As in the real flow, the end of the last running track requests the review: a case
    whose tracks all end is in review (or closed), whatever ``state`` says of support."""
    if case.received_on is not None:
        clock.set_day(case.received_on)
    received_on = timezone.localdate()
    process = ws.referral_start(
        actor=cast.cell,
        received_on=received_on,
        reference=new_reference(),
        commune=commune(case.insee),
        age_bracket=case.age_bracket,
        place_typology=case.place_typology,
        family_involved=case.family_involved,
        released_from_prison=case.released_from_prison,
        family_asked_for_help=case.family_asked_for_help,
        requested_domains=list(case.domains),
        agreement=Agreement.PERSON_AGREED,
        agreement_date=received_on,
    )
    referral = Referral.objects.get(pk=process.artifact_object_id)

    def fresh():
        return Referral.objects.get(pk=referral.pk)

    if case.state == "received":
        return referral

    def step():
        clock.advance(days=case.step_days)

    step()
    if case.state == "withdrawn":
        ws.process_withdraw(actor=cast.cell, referral=referral, reason="cell_decision")
        return fresh()
    ws.task_take(actor=cast.coordinator, task=task_of(referral, "triage"))
    if case.state == "in_assessment":
        return fresh()
    step()
    triage = task_of(referral, "triage")
    if case.state == "returned":
        ws.triage_complete(
            actor=cast.coordinator,
            task=triage,
            decision="return_to_cell",
            reason=ReturnReason.OUTSIDE_SCOPE,
        )
        return fresh()
    ws.triage_complete(
        actor=cast.coordinator, task=triage, decision="open_support", domains=list(case.domains)
    )
    member = cast.members[case.member]
    ending = case.state == "closed"
    for track in referral.tracks.all():
        fate = "interrupted" if ending and case.track not in ("completed",) else case.track
        if fate == "open":
            continue
        step()
        if fate == "interrupted":
            ws.track_interrupt(
                actor=cast.coordinator, track=track, reason=InterruptionReason.PERSON_REFUSED
            )
            continue
        take_track(member, track)
        if fate == "assigned":
            continue
        step()
        ws.track_first_contact_record(
            actor=member, track=track, occurred_on=timezone.localdate(), kind=ContactKind.PHONE
        )
        if fate == "completed":
            step()
            ws.track_complete(actor=member, track=track, outcome=case.outcome)
    if case.state == "in_support":
        return fresh()
    step()
    if case.state == "suspended":
        ws.process_suspend(
            actor=cast.coordinator, referral=referral, reason=SuspensionReason.HOSPITALISATION
        )
        return fresh()
    if fresh().state != "in_review":  # else the last track's end already requested it
        ws.process_request_review(actor=cast.coordinator, referral=referral)
    if case.state == "in_review":
        return fresh()
    step()
    if case.state == "closed":
        review = task_of(referral, "review")
        ws.task_take(actor=cast.cell, task=review)
        ws.review_complete(
            actor=cast.cell, task=review, decision="close", code=ClosureCode.GOALS_REACHED
        )
        return fresh()
    raise ValueError(f"unknown state {case.state!r}")
