"""``manage.py relais_reminders`` (workflows.reminders.reminders_run), run by cron: reviews
whose date has come are requested once; overdue work is e-mailed once a day per person, with a
count and a link only. Running it twice the same day changes nothing the second time."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent
from referrals.models import Referral
from support.models import SupportTrack
from tests.workflows.conftest import start_referral, take, task_of, triage_open
from workflows.reminders import reminders_run
from workflows.selectors import flow_tasks

TODAY = timezone.localdate()
PAST = TODAY - timedelta(days=30)


def _run_function():
    return reminders_run()


def _run_command():
    out = StringIO()
    call_command("relais_reminders", stdout=out)
    return out.getvalue()


@pytest.fixture
def overdue_and_due(people, django_capture_on_commit_callbacks):
    """``member`` holds a track whose first contact is overdue; one referral's review date is
    today, another's is later. Each step commits, as in production (its mails go then)."""
    cell, coordinator = people["cell"], people["coordinator"]
    with django_capture_on_commit_callbacks(execute=True):
        held = triage_open(start_referral(cell), coordinator)
        take(task_of(held, "support", status="NEW"), people["member"])
        due = triage_open(start_referral(cell), coordinator)
        later = triage_open(start_referral(cell), coordinator)
    mail.outbox.clear()
    SupportTrack.objects.filter(referral_id=held.artifact_object_id).update(
        first_contact_due_on=PAST
    )
    Referral.objects.filter(pk=due.artifact_object_id).update(next_review_on=TODAY)
    Referral.objects.filter(pk=later.artifact_object_id).update(
        next_review_on=TODAY + timedelta(days=1)
    )
    return {"held": held, "due": due, "later": later}


def _review_tasks(process):
    return [t for t in flow_tasks().filter(process=process) if t.flow_task.name == "review"]


@pytest.mark.django_db
@pytest.mark.parametrize("runner", [_run_function, _run_command])
def test_two_runs_the_same_day_mail_each_person_once(
    people, overdue_and_due, django_capture_on_commit_callbacks, runner
):
    with django_capture_on_commit_callbacks(execute=True):
        runner()
    first = list(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        runner()

    assert mail.outbox == first  # the second run sent nothing
    recipients = Counter(address for m in mail.outbox for address in m.to)
    # The member and the coordinator are reminded of overdue work; the cell is told that a
    # review task (the one the run requested) waits in its queue.
    assert recipients == {
        people["member"].email: 1,
        people["coordinator"].email: 1,
        people["cell"].email: 1,
    }


@pytest.mark.django_db
def test_the_second_run_reports_nothing_to_do(people, overdue_and_due):
    first = reminders_run()
    second = reminders_run()
    assert (first.reviews_requested, first.mails_sent, first.errors) == (1, 2, 0)
    assert (second.reviews_requested, second.mails_sent, second.errors) == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("runs", [1, 2])
def test_a_review_whose_date_has_come_is_requested_once(people, overdue_and_due, runs):
    for _ in range(runs):
        reminders_run()

    due, later = overdue_and_due["due"], overdue_and_due["later"]
    referral = Referral.objects.get(pk=due.artifact_object_id)
    assert referral.state == "in_review"
    reviews = _review_tasks(due)
    assert [t.status for t in reviews] == ["NEW"]  # in the cell's queue
    events = AuditEvent.objects.filter(reference=referral.reference, transition="request_review")
    assert [(e.role, e.actor_id) for e in events] == [("system", None)]
    assert Referral.objects.get(pk=later.artifact_object_id).state == "in_support"
    assert _review_tasks(later) == []
    assert chain.verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "page", "sentence", "subject"),
    [
        ("member", "/member/", "1 tâche(s) sont en retard.", "[Relais] Tâches en retard"),
        (
            "coordinator",
            "/coordination/",
            "1 tâche(s) du groupe opérationnel sont en retard.",
            "[Relais] Tâches en retard du groupe opérationnel",
        ),
    ],
)
def test_a_reminder_carries_a_count_and_a_link_only(
    people, overdue_and_due, django_capture_on_commit_callbacks, who, page, sentence, subject
):
    with django_capture_on_commit_callbacks(execute=True):
        reminders_run()
    (message,) = [m for m in mail.outbox if m.to == [people[who].email]]
    text = message.subject + "\n" + message.body
    assert "VAL-" not in text
    for process in overdue_and_due.values():
        assert Referral.objects.get(pk=process.artifact_object_id).reference not in text
    assert sentence in message.body
    assert settings.RELAIS_SITE_URL.rstrip("/") + page in message.body
    assert message.subject == subject


@pytest.mark.django_db
def test_nothing_overdue_nothing_due_sends_nothing(
    people, in_support, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = reminders_run()
    assert (report.reviews_requested, report.mails_sent) == (0, 0)
    assert mail.outbox == []
