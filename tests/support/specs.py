"""The support-track transitions as a table (docs/design.md §3, §4). ``member`` is the builders'
member, who holds the track in every state but ``open``; a member acts only on the tracks
they hold, except ``take``, which any eligible member may do on an open track."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from core.roles import Role
from support import services as ss
from support.vocabularies import TrackState

T = TrackState

ACTORS = (*Role.values, "other_member", "nobody", "system")


@dataclass(frozen=True)
class Spec:
    name: str
    call: Callable  # (cast, actor, track, code) -> the service's result
    roles: tuple[str, ...]
    sources: tuple[str, ...]
    target: str | None  # None: the state is kept
    code: str | None = None
    holder_only: bool = True  # a member must hold the track

    def __str__(self):
        return self.name

    def allows(self, who: str, state: str) -> bool:
        if who not in self.roles or state not in self.sources:
            return False
        return not (who == Role.MEMBER and self.holder_only and state == T.OPEN)

    def target_from(self, state: str) -> str:
        return self.target or state

    def allowed_cases(self):
        return [(w, s) for s in self.sources for w in self.roles if self.allows(w, s)]

    def refused_actors(self, state: str):
        return [w for w in ACTORS if not self.allows(w, state)]

    def other_states(self):
        return [s for s in T if s not in self.sources]


def _today():
    return timezone.localdate()


SPECS = (
    Spec(
        "take",
        lambda cast, actor, track, code: ss.track_take(actor=actor, track=track),
        roles=(Role.MEMBER, "other_member"),
        sources=(T.OPEN,),
        target=T.ASSIGNED,
        holder_only=False,
    ),
    Spec(
        "assign",
        lambda cast, actor, track, code: ss.track_assign(
            actor=actor, track=track, member=cast.member
        ),
        roles=(Role.COORDINATOR,),
        sources=(T.OPEN,),
        target=T.ASSIGNED,
    ),
    Spec(
        "reassign",
        lambda cast, actor, track, code: ss.track_reassign(
            actor=actor, track=track, member=cast.actor("spare_member")
        ),
        roles=(Role.COORDINATOR,),
        sources=(T.ASSIGNED, T.ACTIVE, T.ON_HOLD),
        target=None,
    ),
    Spec(
        "release",
        lambda cast, actor, track, code: ss.track_release(actor=actor, track=track, reason=code),
        roles=(Role.MEMBER, Role.COORDINATOR),
        sources=(T.ASSIGNED,),
        target=T.OPEN,
        code="conflict_of_interest",
    ),
    Spec(
        "record_first_contact",
        lambda cast, actor, track, code: ss.track_record_first_contact(
            actor=actor, track=track, occurred_on=_today(), kind=code
        ),
        roles=(Role.MEMBER,),
        sources=(T.ASSIGNED,),
        target=T.ACTIVE,
        code="phone",
    ),
    Spec(
        "record_contact",
        lambda cast, actor, track, code: ss.track_record_contact(
            actor=actor, track=track, occurred_on=_today(), kind=code, attended=False
        ),
        roles=(Role.MEMBER,),
        sources=(T.ACTIVE,),
        target=None,
        code="home_visit",
    ),
    Spec(
        "hold",
        lambda cast, actor, track, code: ss.track_hold(actor=actor, track=track, reason=code),
        roles=(Role.MEMBER, Role.COORDINATOR),
        sources=(T.ACTIVE,),
        target=T.ON_HOLD,
        code="holder_unavailable",
    ),
    Spec(
        "resume",
        lambda cast, actor, track, code: ss.track_resume(actor=actor, track=track),
        roles=(Role.MEMBER, Role.COORDINATOR),
        sources=(T.ON_HOLD,),
        target=T.ACTIVE,
    ),
    Spec(
        "complete",
        lambda cast, actor, track, code: ss.track_complete(actor=actor, track=track, outcome=code),
        roles=(Role.MEMBER,),
        sources=(T.ACTIVE,),
        target=T.COMPLETED,
        code="partially_reached",
    ),
    Spec(
        "interrupt",
        lambda cast, actor, track, code: ss.track_interrupt(actor=actor, track=track, reason=code),
        roles=(Role.MEMBER, Role.COORDINATOR, Role.CELL_LIAISON),
        sources=(T.OPEN, T.ASSIGNED, T.ACTIVE, T.ON_HOLD),
        target=T.INTERRUPTED,
        code="holder_left",
    ),
)

SPECS_BY_NAME = {spec.name: spec for spec in SPECS}
