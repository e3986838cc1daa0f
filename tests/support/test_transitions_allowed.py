"""Each track transition succeeds for each of its roles (a member: on the tracks they hold),
from each of its source states, reaches its target state and writes one audit event."""

import pytest

from audit.models import AuditEvent
from support.models import SupportTrack
from tests.referrals.builders import Cast, new_events, track_in_state
from tests.support.specs import SPECS

CASES = [
    pytest.param(spec, who, state, id=f"{spec}-{who}-from-{state}")
    for spec in SPECS
    for who, state in spec.allowed_cases()
]


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "who", "state"), CASES)
def test_transition_is_allowed_for_its_role_in_its_source_state(spec, who, state):
    cast = Cast()
    track = track_in_state(state, cast)
    before = AuditEvent.objects.count()

    spec.call(cast, cast.actor(who), track, spec.code)

    assert SupportTrack.objects.get(pk=track.pk).state == spec.target_from(state)
    (event,) = new_events(before)
    assert event.transition == spec.name
    assert event.object_id == track.pk
