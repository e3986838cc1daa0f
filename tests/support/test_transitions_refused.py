"""Each track transition is refused for every other role (including a member who does not
hold the track), in every other state, and without its code — changing nothing: same track,
same referral, no contact recorded, no new audit event.

One track is built per (transition, state) and every refused attempt is tried on it, the
"nothing changed" check running after each one; a failure names the actor or code."""

import pytest

from core.errors import ApplicationError
from core.roles import Role
from support.vocabularies import ENDED_STATES, TrackState
from tests.referrals.builders import Cast, snapshot, track_in_state
from tests.support.specs import SPECS

ROLE_CASES = [
    pytest.param(spec, state, id=f"{spec}-in-{state}") for spec in SPECS for state in spec.sources
]
STATE_CASES = [
    pytest.param(spec, state, id=f"{spec}-in-{state}")
    for spec in SPECS
    for state in spec.other_states()
]
BAD_CODES = (None, "", "not_a_code", "cell_request")  # the last: a referral's code
CODE_SPECS = [pytest.param(spec, id=str(spec)) for spec in SPECS if spec.code]


def refusals(spec, state, attempts):
    """Run each ``(who, code)`` attempt on one track in ``state``; return the errors, and
    fail if an attempt succeeded or changed anything (track, referral, contacts, audit)."""
    cast = Cast()
    track = track_in_state(state, cast)
    actors = {who: cast.actor(who) for who, _code in attempts}
    cast.actor("spare_member")  # the member reassign would give the track to
    before = snapshot(track.referral_id)
    errors, problems = {}, []
    for who, code in attempts:
        try:
            spec.call(cast, actors[who], track, code)
        except ApplicationError as error:
            assert error.message
            errors[who, code] = error
        else:
            problems.append(f"{who} with {code!r}: not refused")
        if snapshot(track.referral_id) != before:
            problems.append(f"{who} with {code!r}: changed something")
            break
    assert problems == []
    return errors


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "state"), ROLE_CASES)
def test_refused_for_every_other_role(spec, state):
    refused = spec.refused_actors(state)
    errors = refusals(spec, state, [(who, spec.code) for who in refused])
    assert {who: e.code for (who, _), e in errors.items()} == dict.fromkeys(refused, "forbidden")


def _expected_state_refusal(spec, who, state):
    if who == Role.MEMBER and spec.holder_only and state == TrackState.OPEN:
        return "forbidden"  # nobody holds an open track: refused before the state is read
    if spec.name in ("take", "assign") and state not in ENDED_STATES:
        return "already_taken"
    return "invalid_state"


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "state"), STATE_CASES)
def test_refused_in_every_other_state(spec, state):
    errors = refusals(spec, state, [(who, spec.code) for who in spec.roles])
    assert {who: e.code for (who, _), e in errors.items()} == {
        who: _expected_state_refusal(spec, who, state) for who in spec.roles
    }


@pytest.mark.django_db
@pytest.mark.parametrize("spec", CODE_SPECS)
def test_refused_without_its_code(spec):
    who, state = spec.allowed_cases()[0]
    errors = refusals(spec, state, [(who, code) for code in BAD_CODES])
    assert {code: (e.code, e.field) for (_, code), e in errors.items()} == {
        None: ("code_required", "code"),
        "": ("code_required", "code"),
        "not_a_code": ("code_unknown", "code"),
        "cell_request": ("code_unknown", "code"),
    }
