"""When another request holds the case's process lock (viewflow's select_for_update, given up
after its retries), a page answers in French that someone else is working on the case, and
nothing is written. It was an HTTP 500 (FlowLockFailed) after ~8 s."""

from contextlib import contextmanager

import pytest
from django.contrib.messages import get_messages
from viewflow.workflow.exceptions import FlowLockFailed

from audit.models import AuditEvent
from referrals.models import Referral
from support.models import SupportTrack
from tests.workflows.builders import url
from tests.workflows.conftest import start_referral, take, task_of, triage_open
from workflows.flows import ReferralFlow
from workflows.selectors import flow_tasks

BUSY = "Quelqu'un d'autre est en train de traiter cette orientation."


@pytest.fixture
def lock_held_elsewhere(monkeypatch):
    """From now on, the process lock cannot be taken (as when another request holds it)."""

    def arm():
        @contextmanager
        def held(flow_class, process_pk):
            raise FlowLockFailed(f"Lock failed for {flow_class}")
            yield  # pragma: no cover

        monkeypatch.setattr(ReferralFlow, "lock_impl", held)

    return arm


def _saved():
    return (
        list(Referral.objects.order_by("pk").values_list("state", flat=True)),
        list(SupportTrack.objects.order_by("pk").values_list("state", "holder_id")),
        list(flow_tasks().order_by("pk").values_list("status", "owner_id")),
        AuditEvent.objects.exclude(action="login").count(),
    )


@pytest.mark.django_db
def test_completing_a_task_while_the_case_is_locked(client, people, lock_held_elsewhere):
    task = take(task_of(start_referral(people["cell"]), "triage"), people["coordinator"])
    client.force_login(people["coordinator"])
    before = _saved()
    lock_held_elsewhere()
    response = client.post(
        url(task, "execute"), {"triage-decision": "open_support", "triage-domains": ["social"]}
    )
    assert response.status_code == 200  # the form again, with the message
    assert "est en train de traiter cette orientation" in response.content.decode()
    assert _saved() == before


@pytest.mark.django_db
def test_taking_a_task_while_the_case_is_locked(client, people, lock_held_elsewhere):
    process = triage_open(start_referral(people["cell"]), people["coordinator"])
    task = task_of(process, "support", status="NEW")
    client.force_login(people["member"])
    before = _saved()
    lock_held_elsewhere()
    response = client.post(url(task, "assign"))
    assert response.status_code == 302
    assert any(BUSY in str(m) for m in get_messages(response.wsgi_request))
    assert _saved() == before


@pytest.mark.django_db
def test_a_case_action_while_the_case_is_locked(client, people, lock_held_elsewhere):
    process = triage_open(start_referral(people["cell"]), people["coordinator"])
    client.force_login(people["coordinator"])
    before = _saved()
    lock_held_elsewhere()
    response = client.post(
        f"/coordination/orientations/{process.artifact_object_id}/suspend/",
        {"suspend-code": "hospitalisation"},
    )
    assert response.status_code == 302
    assert any(BUSY in str(m) for m in get_messages(response.wsgi_request))
    assert _saved() == before
