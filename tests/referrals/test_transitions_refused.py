"""Each referral transition is refused for every other role, in every other state, and
without its code (or with a code outside its vocabulary) — and a refusal changes nothing:
same state, same fields, same tracks, no new audit event."""

import pytest

from directory.errors import ApplicationError
from tests.referrals.builders import Cast, assert_unchanged, referral_in_state, snapshot
from tests.referrals.specs import SPECS

ROLE_CASES = [
    pytest.param(spec, who, state, id=f"{spec}-{who}-in-{state}")
    for spec in SPECS
    for state in spec.sources
    for who in spec.refused_actors()
]
STATE_CASES = [
    pytest.param(spec, who, state, id=f"{spec}-{who}-in-{state}")
    for spec in SPECS
    for state in spec.other_states()
    for who in spec.roles
]
# No code, an empty one, an unknown one, and a real code of another vocabulary.
BAD_CODES = (None, "", "not_a_code", "person_refused")
CODE_CASES = [
    pytest.param(spec, code, id=f"{spec}-{code!r}")
    for spec in SPECS
    if spec.code
    for code in BAD_CODES
]


def _refused(spec, who, state, code):
    cast = Cast()
    referral = referral_in_state(state, cast)
    if spec.prepare:
        spec.prepare(cast, referral)
    before = snapshot(referral)
    with pytest.raises(ApplicationError) as refusal:
        spec.call(cast.actor(who), referral, code)
    assert_unchanged(before, referral)
    return refusal.value


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "who", "state"), ROLE_CASES)
def test_refused_for_every_other_role(spec, who, state):
    error = _refused(spec, who, state, spec.code)
    assert error.code == "forbidden"
    assert "réservée à" in error.message


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "who", "state"), STATE_CASES)
def test_refused_in_every_other_state(spec, who, state):
    error = _refused(spec, who, state, spec.code)
    assert error.code == "invalid_state"
    assert "impossible dans l'état" in error.message


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "code"), CODE_CASES)
def test_refused_without_its_code(spec, code):
    error = _refused(spec, spec.roles[0], spec.sources[0], code)
    assert error.code in {"code_required", "code_unknown"}
    assert error.field == "code"
