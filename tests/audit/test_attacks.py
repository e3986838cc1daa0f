"""Done when: each attack of whoever holds the database credentials ends in ``BROKEN`` with the
right reason, never ``OK 0 events``. The attacker here holds the *owner's* credentials (the
application role cannot do any of this: test_restricted_role.py). On PostgreSQL; SQLite has no
roles and no TRUNCATE (docs/operations.md: not tamper-proof against whoever holds the file)."""

import re

import pytest
from django.db import connection

from audit import chain
from audit.models import AuditEvent, ChainHead
from audit.services import audit_verification_run
from audit.vocabularies import AuditRole
from tests.audit import tamper
from tests.audit.test_checkpoints import checkpoint
from tests.audit.test_verify_command import run_verify

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

AUDIT_TABLES = "audit_auditevent, audit_chainhead, audit_auditcheckpoint, audit_auditverification"
ANCHOR = r"the signed anchor anchor-\d{20}-\w+\.txt"


def sql(*statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@pytest.fixture
def anchored(on_postgres, make_events):
    """87 events, a verification recorded (event 88), a checkpoint with its signed anchor at
    seq 88 (event 89), then 5 more events: head 94."""
    make_events(87)
    audit_verification_run(actor=None, role=AuditRole.SYSTEM)
    checkpoint()
    make_events(5)
    assert run_verify()[0] == 0
    tamper.as_owner()  # the attacker: the owner's credentials (the app role is refused)


def test_truncate_of_every_audit_table(anchored):
    sql(f"TRUNCATE {AUDIT_TABLES}")
    code, line = run_verify()
    assert code == 1
    assert re.fullmatch(
        rf"BROKEN at seq 1: {ANCHOR} is at seq 88 but the chain stops at seq 0", line
    )
    assert chain.verify().reason_code == "anchor_beyond_head"


def test_wipe_with_triggers_disabled(anchored):
    for table in AUDIT_TABLES.split(", "):
        sql(f"ALTER TABLE {table} DISABLE TRIGGER ALL", f"DELETE FROM {table}")  # noqa: S608
    code, line = run_verify()
    assert (code, line.split(":")[0]) == (1, "BROKEN at seq 1")
    assert "is at seq 88 but the chain stops at seq 0" in line
    assert not line.startswith("OK")


def test_disabled_trigger_then_edit(anchored):
    sql("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
    tamper.edit(40, code="forged")
    assert run_verify() == (1, "BROKEN at seq 40: hash does not match the event's content")


def test_consistent_rewrite_with_checkpoints_and_records_rewritten(anchored):
    sql("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
    tamper.rewrite_from(30, code="forged")
    # Every stored checkpoint and verification record rewritten to the new hashes too.
    sql(
        "ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER ALL",
        "ALTER TABLE audit_auditverification DISABLE TRIGGER ALL",
        "UPDATE audit_auditcheckpoint c SET hash = e.hash FROM audit_auditevent e "
        "WHERE e.seq = c.seq",
        "UPDATE audit_auditverification v SET head_hash = e.hash FROM audit_auditevent e "
        "WHERE e.seq = v.head_seq",
    )
    code, line = run_verify()
    assert code == 1
    assert re.fullmatch(rf"BROKEN at seq 88: hash differs from {ANCHOR}", line), line
    assert chain.verify().reason_code == "anchor_mismatch"


def test_tail_deleted_after_the_last_anchor(anchored):
    """Events after the last anchor deleted and the head moved back: the verification recorded
    later still says how far the chain went."""
    audit_verification_run(actor=None, role=AuditRole.SYSTEM)  # covers 94 (event 95)
    sql("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
    AuditEvent.objects.filter(seq__gt=90).delete()
    ChainHead.objects.filter(pk=1).update(seq=90, hash=AuditEvent.objects.get(seq=90).hash)
    assert run_verify() == (
        1,
        "BROKEN at seq 91: a stored verification covered seq 94 but the chain stops at seq 90",
    )
    assert chain.verify().reason_code == "record_beyond_head"


def test_tail_deleted_with_its_records_is_the_documented_window(anchored):
    """docs/audit.md, "Window of loss": events after the last anchor that no recorded
    verification covered (or whose records are deleted too) can be deleted unseen. Before the
    anchored seq, they cannot."""
    sql("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
    AuditEvent.objects.filter(seq__gt=90).delete()
    ChainHead.objects.filter(pk=1).update(seq=90, hash=AuditEvent.objects.get(seq=90).hash)
    assert run_verify()[0] == 0  # the window: 89 < seq ≤ 94 lost unseen
    AuditEvent.objects.filter(seq__gt=85).delete()
    ChainHead.objects.filter(pk=1).update(seq=85, hash=AuditEvent.objects.get(seq=85).hash)
    code, line = run_verify()
    assert code == 1 and "is at seq 88 but the chain stops at seq 85" in line
