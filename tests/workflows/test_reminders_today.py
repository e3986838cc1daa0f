"""``reminders_run(today=…)`` counts every overdue item on that day (members' counts ignored
it), and a coordinator who is also a member gets both reminders (only one was sent)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.roles import Role
from support.models import SupportTrack
from tests.factories import user_with_role
from tests.workflows.conftest import start_referral, take, task_of, triage_open
from workflows.reminders import reminders_run

TODAY = timezone.localdate()


def _held_track(people, member):
    """A track ``member`` holds, its first contact due in 5 days (not overdue today)."""
    process = triage_open(start_referral(people["cell"]), people["coordinator"])
    take(task_of(process, "support", status="NEW"), member)
    SupportTrack.objects.filter(referral_id=process.artifact_object_id).update(
        first_contact_due_on=TODAY + timedelta(days=5)
    )


@pytest.mark.django_db
def test_a_member_is_reminded_of_what_is_overdue_on_the_given_day(
    people, django_capture_on_commit_callbacks
):
    _held_track(people, people["member"])
    with django_capture_on_commit_callbacks(execute=True):
        reminders_run(today=TODAY)
    assert [m for m in mail.outbox if m.to == [people["member"].email]] == []

    with django_capture_on_commit_callbacks(execute=True):
        reminders_run(today=TODAY + timedelta(days=10))
    (message,) = [m for m in mail.outbox if m.to == [people["member"].email]]
    assert "1 tâche(s) sont en retard." in message.body


@pytest.mark.django_db
def test_a_coordinator_who_is_also_a_member_gets_both_reminders(
    people, django_capture_on_commit_callbacks
):
    both = user_with_role(Role.MEMBER, username="both", domains=["social"])
    both.groups.add(people["coordinator"].groups.get(name=Role.COORDINATOR))
    _held_track(people, both)
    with django_capture_on_commit_callbacks(execute=True):
        report = reminders_run(today=TODAY + timedelta(days=10))
    subjects = sorted(m.subject for m in mail.outbox if m.to == [both.email])
    assert subjects == [
        "[Relais] Tâches en retard",
        "[Relais] Tâches en retard du groupe opérationnel",
    ]
    assert report.mails_sent >= 2
