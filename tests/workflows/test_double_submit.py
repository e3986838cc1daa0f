"""Every POST that changes state is applied once: the same form submitted twice (double
click, resend) is recognised — a French message says it was not applied again — and nothing
is written twice. Each form carries a one-time token (workflows.submissions)."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from audit.models import AuditEvent
from referrals.models import Referral
from support.models import Contact
from tests.factories import commune
from tests.workflows.builders import url
from tests.workflows.conftest import start_referral, take, task_of, triage_open
from workflows import services

TODAY = timezone.localdate()
AGAIN = "Ce formulaire a déjà été envoyé"


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _registration(token):
    return {
        "submission": token,
        "reference": "VAL-2026-0777",
        "received_on": (TODAY - timedelta(days=2)).isoformat(),
        "commune": commune().pk,
        "age_bracket": "from_13_to_17",
        "place_typology": "urban",
        "family_involved": "yes",
        "released_from_prison": "no",
        "family_asked_for_help": "unknown",
        "requested_domains": ["social"],
        "priority": "normal",
        "agreement": "person_agreed",
        "agreement_date": (TODAY - timedelta(days=2)).isoformat(),
    }


@pytest.mark.django_db
def test_a_double_clicked_registration_is_recognised(client, people):
    client.force_login(people["cell"])
    data = _registration(str(uuid.uuid4()))
    first = client.post("/workflow/register/", data)
    second = client.post("/workflow/register/", data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert any(AGAIN in m for m in _messages(second)), _messages(second)
    assert Referral.objects.filter(reference="VAL-2026-0777").count() == 1
    assert AuditEvent.objects.filter(reference="VAL-2026-0777", transition="register").count() == 1


@pytest.mark.django_db
def test_a_new_registration_form_with_a_taken_reference_is_still_refused(client, people):
    """Control: a different form (another token) with the same reference is a real duplicate."""
    client.force_login(people["cell"])
    client.post("/workflow/register/", _registration(str(uuid.uuid4())))
    response = client.post("/workflow/register/", _registration(str(uuid.uuid4())))
    assert response.status_code == 200
    assert "existe déjà" in response.content.decode()


@pytest.mark.django_db
def test_a_double_clicked_contact_is_recorded_once(client, people):
    process = triage_open(start_referral(people["cell"]), people["coordinator"])
    task = take(task_of(process, "support", status="NEW"), people["member"])
    track = task.artifact
    services.track_first_contact_record(
        actor=people["member"], track=track, occurred_on=TODAY, kind="interview"
    )
    client.force_login(people["member"])
    data = {
        "submission": str(uuid.uuid4()),
        "contact-occurred_on": TODAY.isoformat(),
        "contact-kind": "phone",
        "contact-attended": "on",
    }
    before = Contact.objects.filter(track=track).count()
    first = client.post(url(task, "contact"), data)
    second = client.post(url(task, "contact"), data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert Contact.objects.filter(track=track).count() == before + 1
    assert any(AGAIN in m for m in _messages(second))
    # Another form (a new token) records another contact.
    client.post(url(task, "contact"), {**data, "submission": str(uuid.uuid4())})
    assert Contact.objects.filter(track=track).count() == before + 2


@pytest.mark.django_db
def test_a_double_clicked_agreement_is_recorded_once(client, people):
    process = start_referral(people["cell"], agreed=False)
    referral = Referral.objects.get(pk=process.artifact_object_id)
    client.force_login(people["cell"])
    data = {
        "submission": str(uuid.uuid4()),
        "agreement-agreement": "family_agreed",
        "agreement-agreement_date": TODAY.isoformat(),
    }
    page = f"/cell/orientations/{referral.pk}/agreement/"
    client.post(page, data)
    second = client.post(page, data)
    assert any(AGAIN in m for m in _messages(second))
    events = AuditEvent.objects.filter(reference=referral.reference, transition="record_agreement")
    assert events.count() == 1


@pytest.mark.django_db
def test_the_forms_carry_a_token(client, people):
    process = triage_open(start_referral(people["cell"]), people["coordinator"])
    task = take(task_of(process, "support", status="NEW"), people["member"])
    client.force_login(people["member"])
    page = client.get(url(task, "execute")).content.decode()
    actions = page.count('class="relais-form"')  # one form per action the holder may run
    assert page.count('name="submission"') == actions >= 3
    client.force_login(people["cell"])
    page = client.get("/workflow/register/").content.decode()
    assert 'name="submission"' in page
