"""The audit tables refuse UPDATE and DELETE in the database itself (triggers), whatever the
path: the ORM or raw SQL, on SQLite and PostgreSQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditCheckpoint, AuditEvent, AuditVerification, ChainHead
from audit.services import audit_checkpoint_create, audit_verification_run
from audit.vocabularies import AuditRole

pytestmark = pytest.mark.django_db


def refused(callable_, *args):
    # As the restricted role (PostgreSQL with two roles) the privileges refuse first.
    with pytest.raises(DatabaseError, match="append-only|permission denied"), transaction.atomic():
        callable_(*args)


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_orm_update_of_an_event_is_refused(make_events):
    event = make_events(1)[0]
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(code="forged"))
    event.code = "forged"
    refused(event.save)
    assert AuditEvent.objects.get(pk=event.pk).code == ""


def test_orm_delete_of_an_event_is_refused(make_events):
    event = make_events(1)[0]
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())
    refused(event.delete)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_update_and_delete_of_events_are_refused(make_events):
    make_events(2)
    refused(raw, "UPDATE audit_auditevent SET code = 'forged' WHERE seq = 1")
    refused(raw, "UPDATE audit_auditevent SET hash = prev_hash")
    refused(raw, "DELETE FROM audit_auditevent WHERE seq = 2")
    refused(raw, "DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 2
    assert not AuditEvent.objects.filter(code="forged").exists()


def test_the_head_row_cannot_be_deleted(make_events):
    make_events(1)
    refused(lambda: ChainHead.objects.all().delete())
    refused(raw, "DELETE FROM audit_chainhead")
    assert ChainHead.objects.get(pk=1).seq == 1


def test_checkpoints_and_verifications_are_append_only(make_events):
    make_events(1)
    checkpoint = audit_checkpoint_create()
    verification = audit_verification_run(actor=None, role=AuditRole.SYSTEM)
    refused(raw, "UPDATE audit_auditcheckpoint SET seq = 0 WHERE id = %s", [checkpoint.pk])
    refused(raw, "DELETE FROM audit_auditcheckpoint WHERE id = %s", [checkpoint.pk])
    refused(
        raw, "UPDATE audit_auditverification SET ok = %s WHERE id = %s", [False, verification.pk]
    )
    refused(raw, "DELETE FROM audit_auditverification WHERE id = %s", [verification.pk])
    refused(lambda: AuditCheckpoint.objects.update(seq=0))
    refused(lambda: AuditVerification.objects.update(ok=False))
    refused(lambda: AuditCheckpoint.objects.all().delete())
    refused(lambda: AuditVerification.objects.all().delete())
    assert AuditCheckpoint.objects.get().seq == 1
    assert AuditVerification.objects.get().ok is True


def test_events_can_still_be_appended(make_events):
    make_events(3)
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]
