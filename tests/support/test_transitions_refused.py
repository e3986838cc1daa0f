"""Each track transition is refused for every other role (including a member who does not
hold the track), in every other state, and without its code — changing nothing: same track,
same referral, no contact recorded, no new audit event."""

import pytest

from directory.errors import ApplicationError
from directory.roles import Role
from support.vocabularies import TrackState
from tests.referrals.builders import Cast, assert_unchanged, snapshot, track_in_state
from tests.support.specs import SPECS

ROLE_CASES = [
    pytest.param(spec, who, state, id=f"{spec}-{who}-in-{state}")
    for spec in SPECS
    for state in spec.sources
    for who in spec.refused_actors(state)
]
STATE_CASES = [
    pytest.param(spec, who, state, id=f"{spec}-{who}-in-{state}")
    for spec in SPECS
    for state in spec.other_states()
    for who in spec.roles
]
BAD_CODES = (None, "", "not_a_code", "cell_request")  # the last: a referral's code
CODE_CASES = [
    pytest.param(spec, code, id=f"{spec}-{code!r}")
    for spec in SPECS
    if spec.code
    for code in BAD_CODES
]


def _refused(spec, who, state, code):
    cast = Cast()
    track = track_in_state(state, cast)
    before = snapshot(track.referral_id)
    with pytest.raises(ApplicationError) as refusal:
        spec.call(cast, cast.actor(who), track, code)
    assert_unchanged(before, track.referral_id)
    assert refusal.value.message
    return refusal.value


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "who", "state"), ROLE_CASES)
def test_refused_for_every_other_role(spec, who, state):
    assert _refused(spec, who, state, spec.code).code == "forbidden"


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "who", "state"), STATE_CASES)
def test_refused_in_every_other_state(spec, who, state):
    error = _refused(spec, who, state, spec.code)
    if who == Role.MEMBER and spec.holder_only and state == TrackState.OPEN:
        # Nobody holds an open track: the member is refused before the state is looked at.
        assert error.code == "forbidden"
    else:
        assert error.code in {"invalid_state", "already_taken"}


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "code"), CODE_CASES)
def test_refused_without_its_code(spec, code):
    who, state = spec.allowed_cases()[0]
    error = _refused(spec, who, state, code)
    assert error.code in {"code_required", "code_unknown"}
    assert error.field == "code"
