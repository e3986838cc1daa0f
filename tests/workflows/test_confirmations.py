"""Irreversible actions ask first: a page names the action, the case and the chosen reason,
and nothing is written until the same fields come back with ``confirmed=1``."""

from html import unescape

import pytest

from audit.models import AuditEvent
from referrals.models import Referral
from support.models import SupportTrack
from tests.workflows.conftest import take, task_of
from workflows import services


def _active_track(process, people):
    """The referral's social track, taken by the member and its first contact recorded:
    (its task, the track)."""
    task = take(task_of(process, "support", status="NEW"), people["member"])
    track = SupportTrack.objects.get(pk=task.data["track"])
    services.track_first_contact_record(
        actor=people["member"], track=track, occurred_on=task.created.date(), kind="phone"
    )
    return task, track


def _review_taken(process, people):
    """The review task, taken by the cell once the referral's only track has ended."""
    _task, track = _active_track(process, people)
    services.track_complete(actor=people["member"], track=track, outcome="goals_reached")
    return take(task_of(process, "review", status="NEW"), people["cell"])


@pytest.mark.django_db
def test_withdraw_asks_for_confirmation_naming_what_it_does(client, people, in_support):
    referral = Referral.objects.get(pk=in_support.artifact_object_id)
    page = f"/cell/orientations/{referral.pk}/withdraw/"
    client.force_login(people["cell"])
    events = AuditEvent.objects.count()
    response = client.post(page, {"withdraw-code": "taken_over_elsewhere"})
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert f"Retirer l'orientation {referral.reference}" in html
    assert "Pris en charge par un autre dispositif" in html  # the reason, by its label
    assert "interrompus" in html  # the consequence is said
    assert 'name="confirmed" value="1"' in html
    assert f'href="/cell/orientations/{referral.pk}/"' in html  # a way back, changing nothing
    assert Referral.objects.get(pk=referral.pk).state == "in_support"
    assert AuditEvent.objects.count() == events

    response = client.post(page, {"withdraw-code": "taken_over_elsewhere", "confirmed": "1"})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).state == "withdrawn"


@pytest.mark.django_db
def test_an_invalid_reason_is_refused_before_any_confirmation(client, people, in_support):
    referral = Referral.objects.get(pk=in_support.artifact_object_id)
    client.force_login(people["cell"])
    response = client.post(f"/cell/orientations/{referral.pk}/withdraw/", {})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).state == "in_support"


@pytest.mark.django_db
def test_completing_a_track_names_the_case_and_the_domain(client, people, in_support):
    task, track = _active_track(in_support, people)
    client.force_login(people["member"])
    page = task.flow_task.reverse("complete", args=[task.process_id, task.pk])
    response = client.post(page, {"complete-code": "goals_reached"})
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert f"Terminer l'accompagnement {track.referral.reference} — Social" in html
    assert "Objectifs atteints" in html
    assert SupportTrack.objects.get(pk=track.pk).state == "active"


@pytest.mark.django_db
def test_closing_from_the_review_page_asks_first_naming_case_domains_and_reason(
    client, people, in_support
):
    review = _review_taken(in_support, people)
    referral = Referral.objects.get(pk=in_support.artifact_object_id)
    client.force_login(people["cell"])
    page = review.flow_task.reverse("execute", args=[review.process_id, review.pk])
    events = AuditEvent.objects.count()
    fields = {"review-decision": "close", "review-code": "goals_reached"}
    response = client.post(page, fields)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert f"Clôturer l'orientation {referral.reference} — Social" in html
    assert "Objectifs atteints" in html  # the reason, by its label
    assert "C'est définitif" in html
    assert 'name="review-decision" value="close"' in html
    assert 'name="confirmed" value="1"' in html
    assert f'href="{page}"' in html  # back to the review, changing nothing
    assert Referral.objects.get(pk=referral.pk).state == "in_review"
    assert AuditEvent.objects.count() == events

    response = client.post(page, {**fields, "confirmed": "1"})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).state == "closed"


@pytest.mark.django_db
def test_continuing_from_the_review_page_needs_no_confirmation(client, people, in_support):
    review = _review_taken(in_support, people)
    client.force_login(people["cell"])
    page = review.flow_task.reverse("execute", args=[review.process_id, review.pk])
    response = client.post(
        page, {"review-decision": "continue", "review-domains": ["psychological"]}
    )
    assert response.status_code == 302
    assert Referral.objects.get(pk=in_support.artifact_object_id).state == "in_support"


@pytest.mark.django_db
def test_returning_to_the_cell_at_triage_asks_first(client, people):
    from tests.workflows.conftest import start_referral

    process = start_referral(people["cell"], domains=("social", "educational"))
    task = take(task_of(process, "triage"), people["coordinator"])
    referral = Referral.objects.get(pk=process.artifact_object_id)
    client.force_login(people["coordinator"])
    page = task.flow_task.reverse("execute", args=[task.process_id, task.pk])
    events = AuditEvent.objects.count()
    fields = {"triage-decision": "return_to_cell", "triage-reason": "outside_scope"}
    response = client.post(page, fields)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert f"Retourner l'orientation à la cellule {referral.reference} — " in html
    assert "Social" in html and "Éducatif" in html  # the domains it asked for
    assert "C'est définitif" in html
    assert 'name="confirmed" value="1"' in html
    assert Referral.objects.get(pk=referral.pk).state == "in_assessment"  # taken, not returned
    assert AuditEvent.objects.count() == events

    response = client.post(page, {**fields, "confirmed": "1"})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).state == "returned"
