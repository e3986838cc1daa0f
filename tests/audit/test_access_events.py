"""``audit_record_access``: the case pages (workflows/) record who opened which case."""

import pytest
from django.core.exceptions import ValidationError

from audit import chain
from audit.services import audit_record_access
from core.roles import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_access_to_a_case_page_is_recorded():
    member = user_with_role(Role.MEMBER, username="membre")
    event = audit_record_access(
        actor=member,
        role=Role.MEMBER,
        object_type="support_track",
        object_id=12,
        reference="VAL-2026-0042",
    )
    assert (event.seq, event.action, event.role) == (1, "access", "member")
    assert (event.actor_id, event.actor_username) == (member.pk, "membre")
    assert (event.object_type, event.object_id, event.reference) == (
        "support_track",
        12,
        "VAL-2026-0042",
    )
    assert chain.verify().ok


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reference": "Jean Dupont"},
        {"object_type": "person"},
        {"role": "boss"},
    ],
)
def test_access_with_free_text_is_refused(kwargs):
    values = dict(
        actor=None,
        role="coordinator",
        object_type="referral",
        object_id=1,
        reference="VAL-2026-0001",
    )
    values.update(kwargs)
    with pytest.raises(ValidationError):
        audit_record_access(**values)
    assert chain.verify().count == 0
