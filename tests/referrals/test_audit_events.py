"""Each successful referral transition writes its audit event with the right actor, role,
transition, from/to state, code and reference (plus one "open" event per track opened), and
the chain still verifies."""

import pytest

from audit import chain
from audit.models import AuditEvent
from support.models import SupportTrack
from tests.referrals.builders import Cast, new_events, referral_in_state, task_of
from tests.referrals.specs import SPECS, SPECS_BY_NAME
from workflows import services as ws

CASES = [pytest.param(spec, who, id=f"{spec}-{who}") for spec in SPECS for who in spec.roles]


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "who"), CASES)
def test_the_transition_event_describes_the_transition(spec, who):
    cast = Cast()
    state = spec.sources[-1]
    referral = referral_in_state(state, cast)
    if spec.prepare:
        spec.prepare(cast, referral)
    actor = cast.actor(who)
    before = AuditEvent.objects.count()

    spec.call(actor, referral, spec.code)

    event = new_events(before)[0]
    assert event.actor_id == (actor.pk if actor else None)
    assert event.actor_username == (actor.username if actor else "")
    assert event.role == str(who)
    assert event.action == "transition"
    assert (event.object_type, event.object_id) == ("referral", referral.pk)
    assert event.reference == referral.reference
    assert event.transition == spec.name
    assert (event.from_state, event.to_state) == (state, spec.target)
    assert event.code == (spec.code or "")
    assert chain.verify().ok


def _open_support(cast, referral):
    ws.triage_complete(
        actor=cast.coordinator,
        task=task_of(referral, "triage"),
        decision="open_support",
        domains=["social"],
    )


def _continue_support(cast, referral):
    ws.review_complete(
        actor=cast.cell,
        task=task_of(referral, "review"),
        decision="continue",
        domains=["psychological"],
    )


# Through the public API (workflows.services), which opens the tracks with the transition.
OPENERS = {"open_support": _open_support, "continue_support": _continue_support}


@pytest.mark.django_db
@pytest.mark.parametrize("spec", [SPECS_BY_NAME[name] for name in OPENERS])
def test_each_track_opened_has_its_open_event(spec):
    cast = Cast()
    referral = referral_in_state(spec.sources[0], cast)
    actor = cast.actor(spec.roles[0])
    if spec.name == "continue_support":
        ws.task_take(actor=cast.cell, task=task_of(referral, "review"))
    before = AuditEvent.objects.count()

    OPENERS[spec.name](cast, referral)

    transition, *opened = new_events(before)
    assert transition.transition == spec.name
    new_tracks = SupportTrack.objects.filter(referral=referral, state="open").order_by("pk")
    new_tracks = list(new_tracks)[-len(opened) :]
    assert len(opened) == 1
    assert [(e.object_id, e.code) for e in opened] == [(t.pk, t.domain) for t in new_tracks]
    for event in opened:
        assert (event.action, event.object_type, event.transition) == (
            "create",
            "support_track",
            "open",
        )
        assert (event.from_state, event.to_state) == ("", "open")
        assert (event.actor_id, event.role) == (actor.pk, spec.roles[0])
        assert event.reference == referral.reference
    assert chain.verify().ok
