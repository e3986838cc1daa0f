"""``core.prepared.locked_get`` locks the row as the ORM's ``select_for_update`` does: another
transaction cannot take it until the holder commits, and outside a transaction it is refused."""

import threading

import pytest
from django.db import DatabaseError, connections, transaction

from core.prepared import locked_get
from referrals.models import Referral
from tests.concurrency.conftest import postgres_only
from tests.referrals.builders import referral_in_state

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def test_locked_get_holds_the_row_until_commit(committed_reference_data):
    referral = referral_in_state("received")
    seen = {}

    def other():
        try:
            with transaction.atomic():
                Referral.objects.select_for_update(nowait=True).get(pk=referral.pk)
            seen["other"] = "locked it"
        except DatabaseError:
            seen["other"] = "refused"
        finally:
            connections.close_all()

    with transaction.atomic():
        locked_get(Referral, referral.pk)
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=10)
    assert seen == {"other": "refused"}


def test_locked_get_outside_a_transaction_is_refused_as_by_the_orm(committed_reference_data):
    from django.db.transaction import TransactionManagementError

    referral = referral_in_state("received")
    with transaction.atomic():
        locked_get(Referral, referral.pk)  # compiled and prepared
    with pytest.raises(TransactionManagementError):
        locked_get(Referral, referral.pk)


def test_locked_get_in_another_thread_after_the_statement_is_cached(committed_reference_data):
    """The compiled statement is shared by every thread of the process; each thread's row is
    read and converted on its own connection."""
    referral = referral_in_state("in_support")
    with transaction.atomic():
        mine = locked_get(Referral, referral.pk)  # compiled here
    seen = {}

    def other():
        try:
            with transaction.atomic():
                seen["other"] = locked_get(Referral, referral.pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=10)
    assert seen["other"].requested_domains == mine.requested_domains
    assert seen["other"].state == mine.state == "in_support"
