"""The append that shares a transition's statement (PostgreSQL) runs after the change, and only
when the change moved exactly one row: the chain head — locked from the append until commit,
the one point every audited write goes through — is not held while the row is updated, and a
refused transition (its row already moved elsewhere) appends nothing (issue 14: "the head
lock taken as late as possible")."""

import pytest
from django.db import connection, transaction

from audit import chain
from audit.models import AuditEvent, ChainHead
from tests.referrals.builders import Cast, referral_in_state


def _fields(referral, to_state):
    return {
        "occurred_at": referral.state_changed_at,
        "actor_id": None,
        "actor_username": "",
        "role": "system",
        "action": "transition",
        "object_type": "referral",
        "object_id": referral.pk,
        "reference": referral.reference,
        "transition": "suspend",
        "from_state": "in_support",
        "to_state": to_state,
        "code": "",
        "request_id": "",
        "client_ip": None,
    }


def _move(referral, source):
    return (
        "moved AS (UPDATE referrals_referral SET state = 'suspended' "
        "WHERE id = %s AND state = %s RETURNING 1)",
        [referral.pk, source],
        "moved",
    )


@pytest.mark.django_db
def test_a_change_that_moved_nothing_appends_nothing(on_postgres):
    referral = referral_in_state("in_support", Cast())
    head = ChainHead.objects.get().seq
    events = AuditEvent.objects.count()
    with transaction.atomic():
        event = chain.append(_fields(referral, "suspended"), together=_move(referral, "closed"))
        assert event.together_count == 0
        assert event.seq is None
        # Inside the same transaction: the head did not move, no event was written.
        assert ChainHead.objects.get().seq == head
        assert AuditEvent.objects.count() == events
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_change_that_moved_one_row_appends_one_event(on_postgres):
    referral = referral_in_state("in_support", Cast())
    with transaction.atomic():
        event = chain.append(_fields(referral, "suspended"), together=_move(referral, "in_support"))
        assert event.together_count == 1
        assert event.seq == ChainHead.objects.get().seq
        with connection.cursor() as cursor:
            cursor.execute("SELECT state FROM referrals_referral WHERE id = %s", [referral.pk])
            assert cursor.fetchone() == ("suspended",)
        transaction.set_rollback(True)
