"""The pseudonymous reference is the only identifier of a referral (docs/design.md §2.1): anything
that is not exactly a cell reference (``VAL-20\\d{2}-\\d{4}``) is rejected — names, e-mails,
phone numbers, social-security numbers, prose — and the error never repeats the value."""

import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from core.errors import ApplicationError
from referrals.models import Referral
from referrals.reference import ReferenceValidator
from tests.referrals.builders import Cast, register

VALID = re.compile(r"VAL-20[0-9]{2}-[0-9]{4}")
validate = ReferenceValidator()
EXAMPLES = settings(max_examples=100, deadline=None, database=None)

letters = "abcdefghijklmnopqrstuvwxyzéèêëàâîïôöûüç"
word = st.text(alphabet=letters, min_size=1, max_size=12)
capitalised = word.map(str.capitalize)
names = st.one_of(
    st.lists(capitalised, min_size=1, max_size=3).map(" ".join),
    st.tuples(capitalised, capitalised).map("-".join),  # Jean-Pierre
    st.tuples(word.map(str.upper), capitalised).map(" ".join),  # DUPONT Jean
)
phones = st.from_regex(r"(0[1-9]|\+33 ?[1-9])([ .-]?[0-9]{2}){4}", fullmatch=True)
# French social-security numbers: 13 digits (15 with the key), possibly with spaces.
nirs = st.from_regex(r"[12]( ?[0-9]){12,14}", fullmatch=True)
prose = st.lists(word, min_size=2, max_size=12).map(" ".join)
valid_references = st.from_regex(r"VAL-20[0-9]{2}-[0-9]{4}", fullmatch=True)
with_a_space = st.one_of(
    valid_references.flatmap(
        lambda ref: st.integers(0, len(ref)).map(lambda i: ref[:i] + " " + ref[i:])
    ),
    st.tuples(st.text(max_size=20), st.text(max_size=20)).map(" ".join),
)


def _rejected(value) -> str:
    with pytest.raises(ValidationError) as refusal:
        validate(value)
    assert refusal.value.code == "invalid_reference"
    return refusal.value.messages[0]


@EXAMPLES
@given(valid_references)
def test_cell_references_are_accepted(value):
    validate(value)


@pytest.mark.parametrize("value", ["VAL-2026-0042", "VAL-2000-0000", "VAL-2099-9999"])
def test_examples_of_cell_references_are_accepted(value):
    validate(value)


@EXAMPLES
@given(names)
def test_names_are_rejected(value):
    _rejected(value)


@EXAMPLES
@given(st.emails())
def test_email_addresses_are_rejected_and_not_repeated(value):
    assert value not in _rejected(value)


@EXAMPLES
@given(phones)
def test_phone_numbers_are_rejected_and_not_repeated(value):
    assert value not in _rejected(value)


@EXAMPLES
@given(nirs)
def test_social_security_numbers_are_rejected_and_not_repeated(value):
    assert 13 <= sum(c.isdigit() for c in value) <= 15
    assert value not in _rejected(value)


@EXAMPLES
@given(prose)
def test_lowercase_prose_is_rejected(value):
    _rejected(value)


@EXAMPLES
@given(with_a_space)
def test_strings_with_spaces_are_rejected(value):
    _rejected(value)


@EXAMPLES
@given(st.text(max_size=60))
def test_anything_but_a_full_match_is_rejected(value):
    if VALID.fullmatch(value):
        validate(value)
    else:
        _rejected(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "val-2026-0042",  # lowercase
        "VAL-2026-42",
        "VAL-1999-0042",
        "VAL-2026-00420",
        "XVAL-2026-0042",
        "VAL-2026-0042\n",
        "VAL-2026-００42",  # full-width digits
        "VAL-2026-٠٠42",  # Arabic-Indic digits
        "VAL 2026 0042",
        None,
        20260042,
    ],
)
def test_near_misses_are_rejected(value):
    _rejected(value)


# --- through the service -----------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    [
        "Jean Dupont",
        "jean.dupont@example.org",
        "06 12 34 56 78",
        "1 85 05 78 006 084 36",
        "185057800608436",
        "suivi de la famille du quartier",
        "VAL-2026-0099 ",
    ],
)
def test_registration_rejects_what_is_not_a_reference(value):
    cast = Cast()
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refusal:
        register(cast, reference=value)
    assert refusal.value.field == "reference"
    assert value.strip() not in refusal.value.message
    assert not Referral.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_registration_accepts_a_cell_reference():
    referral = register(Cast(), reference="VAL-2026-0042")
    assert Referral.objects.get(pk=referral.pk).reference == "VAL-2026-0042"
