"""Each successful track transition writes one audit event with the right actor, role,
transition, from/to state, code and (the referral's) reference; the chain still verifies."""

import pytest

from audit import chain
from audit.models import AuditEvent
from tests.referrals.builders import Cast, new_events, track_in_state
from tests.support.specs import SPECS

CASES = [
    pytest.param(spec, who, state, id=f"{spec}-{who}-from-{state}")
    for spec in SPECS
    for who in spec.roles
    for state in [next(s for w, s in spec.allowed_cases() if w == who)]
]


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "who", "state"), CASES)
def test_the_transition_event_describes_the_transition(spec, who, state):
    cast = Cast()
    track = track_in_state(state, cast)
    actor = cast.actor(who)
    before = AuditEvent.objects.count()

    spec.call(cast, actor, track, spec.code)

    (event,) = new_events(before)
    assert (event.actor_id, event.actor_username) == (actor.pk, actor.username)
    assert event.role == ("member" if who == "other_member" else str(who))
    assert event.action == "transition"
    assert (event.object_type, event.object_id) == ("support_track", track.pk)
    assert event.reference == track.referral.reference
    assert event.transition == spec.name
    assert (event.from_state, event.to_state) == (state, spec.target_from(state))
    assert event.code == (spec.code or "")
    assert event.prev_hash != event.hash
    assert chain.verify().ok
