"""Many connections append to the audit chain at once: the chain stays gapless and valid."""

import pytest
from django.db import transaction

from audit import chain
from audit.models import AuditEvent
from audit.services import audit_record
from tests.concurrency.conftest import postgres_only, race

pytestmark = postgres_only


def _append_many(n):
    def work():
        for _ in range(n):
            with transaction.atomic():
                audit_record(actor=None, role="system", action="verify", object_type="audit_log")
        return n

    return work


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_a_gapless_verified_chain(committed_reference_data):
    before = AuditEvent.objects.count()
    results = race(*[_append_many(25) for _ in range(4)])
    assert results == [25, 25, 25, 25]
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == before + 100
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    result = chain.verify()
    assert result.ok, result.line()
