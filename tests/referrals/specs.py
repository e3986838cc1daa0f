"""The referral transitions as a table: who may run each one, from which states, to which
state, with which code, and how many audit events a success writes. The matrices of
``test_transitions_*`` are generated from it (docs/design.md §3 and §4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.roles import Role
from referrals import services as rs
from referrals.vocabularies import NON_TERMINAL_STATES, ReferralState
from support import services as ss
from support.vocabularies import ENDED_STATES, InterruptionReason

R = ReferralState

# Every kind of actor a refusal matrix tries: each role, a user without any role, the system.
ACTORS = (*Role.values, "nobody", "system")


def _end_tracks(cast, referral):
    for track in referral.tracks.exclude(state__in=ENDED_STATES):
        ss.track_interrupt(
            actor=cast.coordinator, track=track, reason=InterruptionReason.PERSON_REFUSED
        )


def running_tracks_in(state: str) -> int:
    """Running tracks of ``builders.referral_in_state(state)`` (one social track from
    in_support on, none before, none once closed or withdrawn)."""
    return 1 if state in (R.IN_SUPPORT, R.SUSPENDED, R.IN_REVIEW) else 0


@dataclass(frozen=True)
class Spec:
    name: str  # the transition's name, as written in the audit event
    call: Callable  # (actor, referral, code) -> Referral
    roles: tuple[str, ...]  # actor keys allowed (see builders.Cast.actor)
    sources: tuple[str, ...]
    target: str
    code: str | None = None  # a valid code when the transition requires one
    # Audit events beyond the transition's own (tracks opened or interrupted), by source state.
    extra_events: Callable[[str], int] = lambda state: 0
    prepare: Callable | None = None  # (cast, referral): set the stage, e.g. end the tracks

    def __str__(self):
        return self.name

    def refused_actors(self):
        return [a for a in ACTORS if a not in self.roles]

    def events(self, state: str) -> int:
        return 1 + self.extra_events(state)

    def other_states(self):
        return [s for s in R if s not in self.sources]


SPECS = (
    Spec(
        "start_assessment",
        lambda actor, referral, code: rs.referral_start_assessment(actor=actor, referral=referral),
        roles=(Role.COORDINATOR,),
        sources=(R.RECEIVED,),
        target=R.IN_ASSESSMENT,
    ),
    Spec(
        "return_to_cell",
        lambda actor, referral, code: rs.referral_return_to_cell(
            actor=actor, referral=referral, reason=code
        ),
        roles=(Role.COORDINATOR,),
        sources=(R.IN_ASSESSMENT,),
        target=R.RETURNED,
        code="insufficient_information",
    ),
    Spec(
        "open_support",
        lambda actor, referral, code: rs.referral_open_support(actor=actor, referral=referral),
        roles=(Role.COORDINATOR,),
        sources=(R.IN_ASSESSMENT,),
        target=R.IN_SUPPORT,
        # The tracks are opened by workflows.services.triage_complete (test_audit_events).
    ),
    Spec(
        "suspend",
        lambda actor, referral, code: rs.referral_suspend(
            actor=actor, referral=referral, reason=code
        ),
        roles=(Role.COORDINATOR,),
        sources=(R.IN_SUPPORT,),
        target=R.SUSPENDED,
        code="temporary_absence",
    ),
    Spec(
        "resume",
        lambda actor, referral, code: rs.referral_resume(actor=actor, referral=referral),
        roles=(Role.COORDINATOR,),
        sources=(R.SUSPENDED,),
        target=R.IN_SUPPORT,
    ),
    Spec(
        "request_review",
        lambda actor, referral, code: rs.referral_request_review(actor=actor, referral=referral),
        roles=(Role.COORDINATOR, "system"),
        sources=(R.IN_SUPPORT,),
        target=R.IN_REVIEW,
    ),
    Spec(
        "continue_support",
        lambda actor, referral, code: rs.referral_continue(actor=actor, referral=referral),
        roles=(Role.CELL_LIAISON,),
        sources=(R.IN_REVIEW,),
        target=R.IN_SUPPORT,
        # New tracks are opened by workflows.services.review_complete (test_audit_events).
    ),
    Spec(
        "close",
        lambda actor, referral, code: rs.referral_close(actor=actor, referral=referral, code=code),
        roles=(Role.CELL_LIAISON,),
        sources=(R.IN_REVIEW, R.SUSPENDED),
        target=R.CLOSED,
        code="handed_to_common_law",
        prepare=_end_tracks,
    ),
    Spec(
        "withdraw",
        lambda actor, referral, code: rs.referral_withdraw(
            actor=actor, referral=referral, reason=code
        ),
        roles=(Role.CELL_LIAISON,),
        sources=tuple(NON_TERMINAL_STATES),
        target=R.WITHDRAWN,
        code="judicial_proceedings",
        # Running tracks are interrupted by workflows.services.process_withdraw
        # (tests/workflows/test_withdraw.py).
    ),
)

SPECS_BY_NAME = {spec.name: spec for spec in SPECS}
