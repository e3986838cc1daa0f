"""Mail recipients are resolved after commit, in the on-commit callback: the transaction that
holds the case's locks does not read every member's queue, and the mail goes to the queues as
committed (issue 14: "mail recipients computed after commit")."""

import pytest
from django.core import mail

from core.roles import Role
from tests.factories import user_with_role
from tests.workflows.conftest import start_referral, triage_open
from workflows.models import Notification, NotificationKind


@pytest.mark.django_db
def test_new_in_queue_recipients_are_read_when_the_transaction_commits(
    people, django_capture_on_commit_callbacks
):
    process = start_referral(people["cell"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        triage_open(process, people["coordinator"], domains=("social",))
    # Nothing was read nor recorded for the mails before the commit…
    assert not Notification.objects.filter(kind=NotificationKind.NEW_IN_QUEUE).exists()
    # …so a member of the domain who joins before the commit is counted in.
    late = user_with_role(Role.MEMBER, username="late", domains=["social"])
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert [m.to for m in mail.outbox if m.to == [late.email]] == [[late.email]]
    assert Notification.objects.filter(user=late, kind=NotificationKind.NEW_IN_QUEUE).exists()


@pytest.mark.django_db
def test_assignment_mail_counts_the_inbox_at_commit(
    people, in_support, django_capture_on_commit_callbacks
):
    from tests.workflows.conftest import task_of
    from workflows import services

    track = task_of(in_support, "support", status="NEW").artifact
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.track_assign(actor=people["coordinator"], track=track, member=people["member"])
    assert not Notification.objects.filter(kind=NotificationKind.ASSIGNED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    (row,) = Notification.objects.filter(user=people["member"], kind=NotificationKind.ASSIGNED)
    assert row.count == 1
