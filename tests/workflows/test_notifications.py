"""E-mails of the flow (workflows.notifications): sent after commit, at most once per person,
kind and day, with a count and a link only — and never for an action that rolled back."""

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction

from support.models import SupportTrack
from tests.workflows.conftest import start_referral, take, task_of, triage_open
from workflows import services
from workflows.models import Notification, NotificationKind


def _mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def _assert_no_case_data(message):
    assert "VAL-" not in message.subject + message.body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("domains", "mailed", "not_mailed"),
    [
        (("social",), ("member", "member2"), ("psy", "cell", "coordinator")),
        (("psychological",), ("psy",), ("member", "member2", "cell", "coordinator")),
        (("social", "psychological"), ("member", "member2", "psy"), ("cell", "coordinator")),
    ],
)
def test_opening_support_mails_the_members_of_the_domain_once(
    people, django_capture_on_commit_callbacks, domains, mailed, not_mailed
):
    first = start_referral(people["cell"], domains=domains)
    second = start_referral(people["cell"], domains=domains)

    with django_capture_on_commit_callbacks(execute=True):
        triage_open(first, people["coordinator"], domains=domains)
    with django_capture_on_commit_callbacks(execute=True):
        triage_open(second, people["coordinator"], domains=domains)  # same day: no second mail

    for name in mailed:
        messages = _mails_to(people[name])
        assert len(messages) == 1, (name, [m.subject for m in mail.outbox])
        _assert_no_case_data(messages[0])
        assert settings.RELAIS_SITE_URL.rstrip("/") + "/workflow/queue/" in messages[0].body
        assert "1 tâche(s)" in messages[0].body  # the queue's size when the mail was sent
    for name in not_mailed:
        assert _mails_to(people[name]) == [], name


@pytest.mark.django_db
@pytest.mark.parametrize("already_held_by", [None, "member"])
def test_assignment_by_the_coordinator_mails_the_member(
    client, people, in_support, django_capture_on_commit_callbacks, already_held_by
):
    """Assign an open track, or reassign a held one: the new holder gets one mail."""
    task = task_of(in_support, "support", status="NEW")
    if already_held_by:
        take(task, people[already_held_by])
    track = SupportTrack.objects.get(referral_id=in_support.artifact_object_id)
    client.force_login(people["coordinator"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/coordination/orientations/{track.referral_id}/assign/",
            {"track": track.pk, f"assign-{track.pk}-member": people["member2"].pk},
        )

    assert response.status_code == 302
    track.refresh_from_db()
    assert track.holder == people["member2"]
    assert [m.to for m in mail.outbox] == [[people["member2"].email]]
    message = mail.outbox[0]
    _assert_no_case_data(message)
    assert "attribuée" in message.subject
    assert settings.RELAIS_SITE_URL.rstrip("/") + "/workflow/inbox/" in message.body


def _open_support(people, process):
    triage_open(process, people["coordinator"])


def _assign(people, process):
    track = SupportTrack.objects.get(referral_id=process.artifact_object_id)
    services.track_assign(actor=people["coordinator"], track=track, member=people["member"])


class Boom(Exception):
    pass


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prepare", "action", "recipient", "kind"),
    [
        (None, _open_support, "member2", NotificationKind.NEW_IN_QUEUE),
        (_open_support, _assign, "member", NotificationKind.ASSIGNED),
    ],
)
def test_a_rolled_back_action_sends_nothing(
    people, django_capture_on_commit_callbacks, prepare, action, recipient, kind
):
    process = start_referral(people["cell"])
    if prepare:
        prepare(people, process)  # its own mails are not captured: never sent here

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        action(people, process)
        raise Boom  # e.g. a later step of the same request fails

    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.filter(user=people[recipient], kind=kind).exists()

    # Nothing was remembered either: the same action, committed, does send.
    with django_capture_on_commit_callbacks(execute=True):
        action(people, process)
    assert len(_mails_to(people[recipient])) == 1
    assert Notification.objects.filter(user=people[recipient], kind=kind).count() == 1
