"""Each referral transition succeeds for each of its roles, from each of its source states,
reaches its target state and writes exactly the expected audit events."""

import pytest

from audit.models import AuditEvent
from referrals.models import Referral
from tests.referrals.builders import Cast, new_events, referral_in_state
from tests.referrals.specs import SPECS

CASES = [
    pytest.param(spec, who, state, id=f"{spec}-{who}-from-{state}")
    for spec in SPECS
    for who in spec.roles
    for state in spec.sources
]


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "who", "state"), CASES)
def test_transition_is_allowed_for_its_role_in_its_source_state(spec, who, state):
    cast = Cast()
    referral = referral_in_state(state, cast)
    if spec.prepare:
        spec.prepare(cast, referral)
    before = AuditEvent.objects.count()

    returned = spec.call(cast.actor(who), referral, spec.code)

    stored = Referral.objects.get(pk=referral.pk)
    assert stored.state == spec.target
    assert returned.state == spec.target
    events = new_events(before)
    assert len(events) == spec.events(state)
    assert events[0].transition == spec.name
    assert {e.reference for e in events} == {referral.reference}
