"""Whole journeys through the test client, page by page, as each role would do them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit import chain
from referrals.models import Referral
from support.models import SupportTrack
from tests.workflows.conftest import task_of

TODAY = timezone.localdate()


def login(client, user):
    client.force_login(user)
    return client


def url(task, action):
    return task.flow_task.reverse(action, args=[task.process_id, task.pk])


def register(client, cell, reference="VAL-2026-0100", domains=("social",), agreed=True):
    login(client, cell)
    data = {
        "reference": reference,
        "received_on": (TODAY - timedelta(days=2)).isoformat(),
        "commune": _commune_pk(),
        "age_bracket": "from_13_to_17",
        "place_typology": "urban",
        "family_involved": "yes",
        "released_from_prison": "no",
        "family_asked_for_help": "unknown",
        "requested_domains": list(domains),
        "priority": "normal",
        "agreement": "person_agreed" if agreed else "not_recorded",
        "agreement_date": (TODAY - timedelta(days=2)).isoformat() if agreed else "",
    }
    response = client.post("/workflow/register/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    referral = Referral.objects.get(reference=reference)
    from workflows.services import process_for

    return process_for(referral)


def _commune_pk():
    from tests.factories import commune

    return commune().pk


def triage(client, coordinator, process, **data):
    login(client, coordinator)
    task = task_of(process, "triage")
    assert client.post(url(task, "assign")).status_code == 302
    confirmed = data.pop("confirmed", None)
    payload = {f"triage-{k}": v for k, v in data.items()}
    if confirmed:
        payload["confirmed"] = confirmed  # past the confirmation page of a return
    response = client.post(url(task, "execute"), payload)
    assert response.status_code == 302, response.content.decode()[:3000]


def take_support(client, member, process, domain="social"):
    login(client, member)
    task = task_of(process, "support", domain=domain, status="NEW")
    response = client.post(url(task, "assign"))
    assert response.status_code == 302
    task.refresh_from_db()
    return task


def act(client, task, action, **data):
    prefix = action
    payload = {f"{prefix}-{k}": v for k, v in data.items()}
    # Past the confirmation page of irreversible actions (tests/workflows/test_confirmations.py).
    payload["confirmed"] = "1"
    return client.post(url(task, action), payload)


def state(process):
    return Referral.objects.get(pk=process.artifact_object_id).state


@pytest.mark.django_db
def test_return_to_cell(client, people):
    process = register(client, people["cell"])
    triage(
        client,
        people["coordinator"],
        process,
        decision="return_to_cell",
        reason="outside_scope",
        confirmed="1",
    )
    process.refresh_from_db()
    assert state(process) == "returned"
    assert process.status == "DONE"
    assert chain.verify().ok


@pytest.mark.django_db
def test_support_review_continue_close(client, people):
    process = register(client, people["cell"], domains=("social",))
    triage(client, people["coordinator"], process, decision="open_support", domains=["social"])
    assert state(process) == "in_support"

    task = take_support(client, people["member"], process)
    assert task.owner == people["member"]
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert (
        act(client, task, "first_contact", occurred_on=yesterday, kind="interview").status_code
        == 302
    )
    assert (
        act(client, task, "contact", occurred_on=yesterday, kind="phone", attended="on").status_code
        == 302
    )
    assert act(client, task, "complete", code="goals_reached").status_code == 302
    # The last track ended: the review task is in the cell's queue.
    assert state(process) == "in_review"
    review = task_of(process, "review", status="NEW")

    login(client, people["cell"])
    assert client.post(url(review, "assign")).status_code == 302
    response = client.post(
        url(review, "execute"), {"review-decision": "continue", "review-domains": ["psychological"]}
    )
    assert response.status_code == 302
    assert state(process) == "in_support"
    psy_task = take_support(client, people["psy"], process, domain="psychological")
    assert (
        act(client, psy_task, "first_contact", occurred_on=yesterday, kind="home_visit").status_code
        == 302
    )
    assert act(client, psy_task, "complete", code="no_further_need").status_code == 302
    assert state(process) == "in_review"

    review = task_of(process, "review", status="NEW")
    login(client, people["cell"])
    client.post(url(review, "assign"))
    closing = {"review-decision": "close", "review-code": "goals_reached"}
    response = client.post(url(review, "execute"), closing)
    assert response.status_code == 200  # the confirmation page
    assert state(process) == "in_review"
    response = client.post(url(review, "execute"), {**closing, "confirmed": "1"})
    assert response.status_code == 302
    process.refresh_from_db()
    assert state(process) == "closed"
    assert process.status == "DONE"
    assert chain.verify().ok


@pytest.mark.django_db
def test_suspend_then_resume(client, people):
    process = register(client, people["cell"])
    triage(client, people["coordinator"], process, decision="open_support", domains=["social"])
    referral_pk = process.artifact_object_id
    login(client, people["coordinator"])
    response = client.post(
        f"/coordination/orientations/{referral_pk}/suspend/", {"suspend-code": "hospitalisation"}
    )
    assert response.status_code == 302
    assert state(process) == "suspended"
    # While suspended, a member cannot take the track.
    login(client, people["member"])
    task = task_of(process, "support", status="NEW")
    client.post(url(task, "assign"))
    assert SupportTrack.objects.get(referral_id=referral_pk).state == "open"

    login(client, people["coordinator"])
    assert client.post(f"/coordination/orientations/{referral_pk}/resume/").status_code == 302
    assert state(process) == "in_support"
    take_support(client, people["member"], process)
    assert SupportTrack.objects.get(referral_id=referral_pk).state == "assigned"


@pytest.mark.django_db
def test_take_release_take_by_another(client, people):
    process = register(client, people["cell"])
    triage(client, people["coordinator"], process, decision="open_support", domains=["social"])
    task = take_support(client, people["member"], process)
    response = act(client, task, "release", code="unavailable")
    assert response.status_code == 302
    track = SupportTrack.objects.get(referral_id=process.artifact_object_id)
    assert (track.state, track.holder) == ("open", None)
    task.refresh_from_db()
    assert (task.status, task.owner) == ("NEW", None)

    task = take_support(client, people["member2"], process)
    track.refresh_from_db()
    assert (track.state, track.holder) == ("assigned", people["member2"])
    assert task.owner == people["member2"]


@pytest.mark.django_db
def test_reassign_by_the_coordinator(client, people):
    process = register(client, people["cell"])
    triage(client, people["coordinator"], process, decision="open_support", domains=["social"])
    task = take_support(client, people["member"], process)
    track = SupportTrack.objects.get(referral_id=process.artifact_object_id)
    login(client, people["coordinator"])
    response = client.post(
        f"/coordination/orientations/{track.referral_id}/assign/",
        {"track": track.pk, f"assign-{track.pk}-member": people["member2"].pk},
    )
    assert response.status_code == 302
    track.refresh_from_db()
    task.refresh_from_db()
    assert track.holder == people["member2"] and track.state == "assigned"
    assert task.owner == people["member2"]
    # The former holder no longer sees the case.
    login(client, people["member"])
    assert client.get(url(task, "execute")).status_code == 404


@pytest.mark.django_db
def test_member_of_the_wrong_domain_cannot_take(client, people):
    process = register(client, people["cell"])
    triage(client, people["coordinator"], process, decision="open_support", domains=["social"])
    task = task_of(process, "support", status="NEW")
    login(client, people["psy"])
    rows = client.get("/member/").context["queue_rows"]
    assert task.pk not in [row["task"].pk for row in rows]
    response = client.post(url(task, "assign"))
    assert response.status_code == 404  # not even visible to them
    task.refresh_from_db()
    assert task.owner is None


@pytest.mark.django_db
def test_over_capacity_member_cannot_take(client, people):
    profile = people["member"].member_profile
    profile.capacity = 1
    profile.save()
    first = register(client, people["cell"], reference="VAL-2026-0201")
    second = register(client, people["cell"], reference="VAL-2026-0202")
    for process in (first, second):
        triage(client, people["coordinator"], process, decision="open_support", domains=["social"])
    take_support(client, people["member"], first)
    task = task_of(second, "support", status="NEW")
    login(client, people["member"])
    rows = client.get("/member/").context["queue_rows"]
    assert "VAL-2026-0202" not in [row["referral"].reference for row in rows]
    response = client.post(url(task, "assign"), follow=True)
    task.refresh_from_db()
    assert task.owner is None
    assert SupportTrack.objects.get(referral_id=second.artifact_object_id).state == "open"
    assert response.status_code in (200, 404)


@pytest.mark.django_db
def test_a_task_already_taken_gives_a_clear_message(client, people):
    process = register(client, people["cell"])
    triage(client, people["coordinator"], process, decision="open_support", domains=["social"])
    task = task_of(process, "support", status="NEW")
    take_support(client, people["member"], process)
    login(client, people["member2"])
    response = client.post(url(task, "assign"), follow=True)
    # The other member no longer sees the case: not found rather than a server error.
    assert response.status_code == 404


@pytest.mark.django_db
def test_withdraw_by_the_cell_cancels_every_task(client, people):
    process = register(client, people["cell"])
    triage(client, people["coordinator"], process, decision="open_support", domains=["social"])
    take_support(client, people["member"], process)
    login(client, people["cell"])
    response = client.post(
        f"/cell/orientations/{process.artifact_object_id}/withdraw/",
        {"withdraw-code": "taken_over_elsewhere", "confirmed": "1"},
    )
    assert response.status_code == 302
    process.refresh_from_db()
    assert state(process) == "withdrawn"
    assert process.status == "CANCELED"
    track = SupportTrack.objects.get(referral_id=process.artifact_object_id)
    assert (track.state, track.interruption_reason) == ("interrupted", "taken_over_elsewhere")
    assert not process.task_set.filter(status__in=["NEW", "ASSIGNED"]).exists()
    assert chain.verify().ok


@pytest.mark.django_db
def test_a_suspended_referral_leaves_the_members_queue(client, people):
    process = register(client, people["cell"])
    triage(client, people["coordinator"], process, decision="open_support", domains=["social"])
    login(client, people["member"])
    task = task_of(process, "support", status="NEW")
    assert task.pk in [row["task"].pk for row in client.get("/member/").context["queue_rows"]]
    login(client, people["coordinator"])
    client.post(
        f"/coordination/orientations/{process.artifact_object_id}/suspend/",
        {"suspend-code": "hospitalisation"},
    )
    login(client, people["member"])
    assert task.pk not in [row["task"].pk for row in client.get("/member/").context["queue_rows"]]


@pytest.mark.django_db
def test_only_a_coordinator_can_take_the_triage_task(client, people):
    process = register(client, people["cell"])
    task = task_of(process, "triage")
    # The coordinator takes the triage (assessment starts), then puts it back in the queue.
    login(client, people["coordinator"])
    assert client.post(url(task, "assign")).status_code == 302
    assert client.post(url(task, "unassign")).status_code == 302
    task.refresh_from_db()
    assert (task.owner, state(process)) == (None, "in_assessment")
    login(client, people["cell"])
    response = client.post(url(task, "assign"), follow=True)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.owner is None
