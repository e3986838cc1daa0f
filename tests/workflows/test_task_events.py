"""Taking any task, and putting it back, is recorded in the chain (a ``task`` event with the
task id, the reference and the node), whichever node it is and whatever else it changes."""

import pytest

from audit.models import AuditEvent
from tests.workflows.builders import finish_track, url
from tests.workflows.conftest import start_referral, task_of, triage_open

pytestmark = pytest.mark.django_db


def task_events():
    return list(
        AuditEvent.objects.filter(action="task")
        .order_by("seq")
        .values_list("actor_username", "role", "transition", "code", "object_id", "reference")
    )


def test_taking_and_releasing_a_triage_task(client, people):
    process = start_referral(people["cell"])
    triage = task_of(process, "triage")
    reference = process.artifact.reference
    client.force_login(people["coordinator"])
    assert client.post(url(triage, "assign")).status_code == 302
    # The referral's own transition is recorded too, but the task event says who took it.
    assert task_events() == [("coord", "coordinator", "assign", "triage", triage.pk, reference)]

    page = client.get(url(triage, "unassign"))
    assert page.status_code == 200
    assert client.post(url(triage, "unassign")).status_code == 302
    triage.refresh_from_db()
    assert (triage.status, triage.owner_id) == ("NEW", None)
    assert task_events()[-1] == ("coord", "coordinator", "unassign", "triage", triage.pk, reference)

    # Taken again after the release (the referral is already in assessment: no transition,
    # but the take is still recorded).
    before = AuditEvent.objects.count()
    assert client.post(url(triage, "assign")).status_code == 302
    assert AuditEvent.objects.count() == before + 1
    assert task_events()[-1][2] == "assign"


def test_someone_else_cannot_release_a_task(client, people):
    process = start_referral(people["cell"])
    triage = task_of(process, "triage")
    client.force_login(people["coordinator"])
    client.post(url(triage, "assign"))
    other = people["cell"]
    client.force_login(other)
    assert client.post(url(triage, "unassign")).status_code in (403, 404)
    triage.refresh_from_db()
    assert triage.owner_id == people["coordinator"].pk


def test_taking_a_review_task_is_recorded(client, people):
    process = triage_open(start_referral(people["cell"]), people["coordinator"])
    finish_track(process, people["member"])
    review = task_of(process, "review", status="NEW")
    client.force_login(people["cell"])
    assert client.post(url(review, "assign")).status_code == 302
    assert task_events()[-1] == (
        "cell",
        "cell_liaison",
        "assign",
        "review",
        review.pk,
        process.artifact.reference,
    )


def test_taking_and_releasing_a_support_task_is_recorded(client, people, in_support):
    support = task_of(in_support, "support", status="NEW")
    client.force_login(people["member"])
    assert client.post(url(support, "assign")).status_code == 302
    assert task_events()[-1][:4] == ("member", "member", "assign", "support")
