"""What the application role can do to the verification records (docs/audit.md): it records
verifications through ``relais_audit_verification_insert``, which stores a *successful* one
only for a head the chain holds (sequence number and stored hash). So it cannot plant a
record that would make every later verification fail (``record_beyond_head``,
``record_mismatch``); a failed record is stored as given and never compared with."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from audit import chain
from audit.anchors import AnchorScan
from audit.models import GENESIS_HASH, AuditEvent, AuditVerification

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def insert(*, ok, head_seq, head_hash):
    """As the application role (the suite's own role with DATABASE_OWNER_URL set)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relais_audit_verification_insert(%s, NULL, '', 'system', %s, %s, %s, %s, "
            "0, NULL, '')",
            [timezone.now(), ok, head_seq, head_seq, head_hash],
        )


def verify():
    return chain.verify(anchors=AnchorScan())


@pytest.mark.parametrize(
    ("head_seq", "head_hash"),
    [(1_000_000, "a" * 64), (3, "b" * 64), (0, "c" * 64)],
    ids=["beyond the head", "wrong hash", "wrong genesis"],
)
def test_a_false_successful_record_is_refused(on_postgres, make_events, head_seq, head_hash):
    make_events(5)
    with pytest.raises(DatabaseError, match="does not hold"), transaction.atomic():
        insert(ok=True, head_seq=head_seq, head_hash=head_hash)
    assert not AuditVerification.objects.exists()
    assert verify().ok


def test_a_true_successful_record_is_stored_and_compared(on_postgres, make_events):
    make_events(5)
    insert(ok=True, head_seq=3, head_hash=AuditEvent.objects.get(seq=3).hash)
    insert(ok=True, head_seq=0, head_hash=GENESIS_HASH)
    result = verify()
    assert result.ok and result.record_count == 2


def test_a_failed_record_is_stored_and_never_compared(on_postgres, make_events):
    make_events(5)
    insert(ok=False, head_seq=1_000_000, head_hash="d" * 64)
    assert AuditVerification.objects.filter(ok=False).count() == 1
    result = verify()
    assert result.ok and result.record_count == 0
