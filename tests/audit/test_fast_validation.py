"""The append's validation (``audit.services._validate``, no model instance) accepts and
refuses exactly what ``AuditEvent.full_clean`` accepts and refuses."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from audit import chain
from audit.models import AuditEvent
from audit.services import _validate

GOOD = {
    "occurred_at": datetime(2026, 3, 1, 10, tzinfo=UTC),
    "actor_id": 7,
    "actor_username": "marie.dupont@example",
    "role": "coordinator",
    "action": "transition",
    "object_type": "referral",
    "object_id": 42,
    "reference": "VAL-2026-0042",
    "transition": "open_support",
    "from_state": "in_assessment",
    "to_state": "in_support",
    "code": "hospitalisation",
    "request_id": "0123456789abcdef0123456789abcdef",
    "client_ip": "192.0.2.10",
}

VARIANTS = [
    {},
    {"actor_id": None, "actor_username": "", "request_id": "", "client_ip": None},
    {"client_ip": "2001:db8::1"},
    {"client_ip": "not an address"},
    {"actor_username": "marie dupont"},
    {"actor_username": "x" * 151},
    {"role": "root"},
    {"action": "delete_everything"},
    {"object_type": ""},
    {"reference": "val-2026-0042"},
    {"reference": "VAL-2026-0042 note libre"},
    {"reference": "A" * 41},
    {"transition": "Open Support"},
    {"from_state": "in assessment"},
    {"to_state": "x" * 33},
    {"code": "texte libre"},
    {"code": "a" * 65},
    {"request_id": "XYZ"},
    {"request_id": "0" * 33},
    {"object_id": "42; DROP"},
]


def full_clean_refuses(fields) -> bool:
    event = AuditEvent(seq=1, prev_hash=chain.GENESIS_HASH, hash=chain.GENESIS_HASH, **fields)
    try:
        event.full_clean(exclude=["actor", "seq"], validate_unique=False)
    except (ValidationError, TypeError, ValueError):
        return True
    return False


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: ",".join(v) or "good")
def test_same_verdict_as_full_clean(variant):
    fields = dict(GOOD, **variant)
    expected = full_clean_refuses(fields)
    if expected:
        with pytest.raises(ValidationError):
            _validate(fields)
    else:
        _validate(fields)  # accepted


def test_variants_cover_both_verdicts():
    verdicts = {full_clean_refuses(dict(GOOD, **v)) for v in VARIANTS}
    assert verdicts == {True, False}
