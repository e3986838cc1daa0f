"""Each referral transition is refused for every other role, in every other state, and
without its code (or with a code outside its vocabulary) — and a refusal changes nothing:
same state, same fields, same tracks, no new audit event.

One referral is built per (transition, state) and every refused attempt is tried on it, the
"nothing changed" check running after each one; a failure names the actor or code."""

import pytest

from core.errors import ApplicationError
from tests.referrals.builders import Cast, referral_in_state, snapshot
from tests.referrals.specs import SPECS

ROLE_CASES = [
    pytest.param(spec, state, id=f"{spec}-in-{state}") for spec in SPECS for state in spec.sources
]
STATE_CASES = [
    pytest.param(spec, state, id=f"{spec}-in-{state}")
    for spec in SPECS
    for state in spec.other_states()
]
# No code, an empty one, an unknown one, and a real code of another vocabulary.
BAD_CODES = (None, "", "not_a_code", "person_refused")
CODE_SPECS = [pytest.param(spec, id=str(spec)) for spec in SPECS if spec.code]


def refusals(spec, state, attempts):
    """Run each ``(who, code)`` attempt on one referral in ``state``; return the errors, and
    fail if an attempt succeeded or changed anything."""
    cast = Cast()
    referral = referral_in_state(state, cast)
    if spec.prepare:
        spec.prepare(cast, referral)
    actors = {who: cast.actor(who) for who, _code in attempts}
    before = snapshot(referral)
    errors, problems = {}, []
    for who, code in attempts:
        try:
            spec.call(actors[who], referral, code)
        except ApplicationError as error:
            errors[who, code] = error
        else:
            problems.append(f"{who} with {code!r}: not refused")
        if snapshot(referral) != before:
            problems.append(f"{who} with {code!r}: changed something")
            break
    assert problems == []
    return errors


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "state"), ROLE_CASES)
def test_refused_for_every_other_role(spec, state):
    errors = refusals(spec, state, [(who, spec.code) for who in spec.refused_actors()])
    assert {who: e.code for (who, _), e in errors.items()} == dict.fromkeys(
        spec.refused_actors(), "forbidden"
    )
    assert all("réservée à" in e.message for e in errors.values())


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "state"), STATE_CASES)
def test_refused_in_every_other_state(spec, state):
    errors = refusals(spec, state, [(who, spec.code) for who in spec.roles])
    assert {who: e.code for (who, _), e in errors.items()} == dict.fromkeys(
        spec.roles, "invalid_state"
    )
    assert all("impossible dans l'état" in e.message for e in errors.values())


@pytest.mark.django_db
@pytest.mark.parametrize("spec", CODE_SPECS)
def test_refused_without_its_code(spec):
    who = spec.roles[0]
    errors = refusals(spec, spec.sources[0], [(who, code) for code in BAD_CODES])
    assert {code: (e.code, e.field) for (_, code), e in errors.items()} == {
        None: ("code_required", "code"),
        "": ("code_required", "code"),
        "not_a_code": ("code_unknown", "code"),
        "person_refused": ("code_unknown", "code"),
    }
