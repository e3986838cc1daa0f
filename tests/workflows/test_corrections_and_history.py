"""The case page's coded history (from the audit chain) and the cell's corrections of coded
registration data: an audited change with a coded reason, shown in that history."""

from html import unescape

import pytest
from django.contrib.messages import get_messages

from audit import chain
from audit.models import AuditEvent
from referrals.models import Referral
from tests.workflows.conftest import start_referral


@pytest.fixture
def referral(people):
    process = start_referral(people["cell"])  # registered "13 à 17 ans"
    return Referral.objects.get(pk=process.artifact_object_id)


def _correct(client, referral, **data):
    payload = {f"correct-{key}": value for key, value in data.items()}
    return client.post(f"/cell/orientations/{referral.pk}/correct/", payload)


@pytest.mark.django_db
def test_the_cell_corrects_a_coded_datum_and_the_history_shows_it(client, people, referral):
    client.force_login(people["cell"])
    events = AuditEvent.objects.count()
    response = _correct(
        client, referral, correction="age_bracket:from_18_to_25", reason="entry_error"
    )
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).age_bracket == "from_18_to_25"
    (event,) = AuditEvent.objects.order_by("seq")[events:]
    assert (event.transition, event.from_state, event.to_state, event.code, event.role) == (
        "correct_age_bracket",
        "from_13_to_17",
        "from_18_to_25",
        "entry_error",
        "cell_liaison",
    )
    assert chain.verify().ok
    for who, app in ((people["cell"], "cell"), (people["coordinator"], "coordination")):
        client.force_login(who)
        page = unescape(client.get(f"/{app}/orientations/{referral.pk}/").content.decode())
        history = page[page.index('id="history-title"') :]
        assert "Enregistrement" in history
        assert "Correction : tranche d'âge" in history
        assert "13 à 17 ans → 18 à 25 ans" in history
        assert "Erreur de saisie" in history
        assert "Consultation" not in history  # page views are not the case's history


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"correction": "age_bracket:from_13_to_17", "reason": "entry_error"}, "Sélectionnez"),
        ({"correction": "state:closed", "reason": "entry_error"}, "Sélectionnez"),
        ({"correction": "age_bracket:from_18_to_25"}, "obligatoire"),
        ({"correction": "age_bracket:from_18_to_25", "reason": "because"}, "Sélectionnez"),
    ],
)
def test_a_bad_correction_changes_nothing(client, people, referral, data, message):
    client.force_login(people["cell"])
    events = AuditEvent.objects.count()
    response = _correct(client, referral, **data)
    assert response.status_code == 302
    assert any(message in str(m) for m in get_messages(response.wsgi_request))
    assert Referral.objects.get(pk=referral.pk).age_bracket == "from_13_to_17"
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_only_the_cell_corrects(client, people, referral):
    client.force_login(people["coordinator"])
    response = client.post(
        f"/coordination/orientations/{referral.pk}/correct/",
        {"correct-correction": "age_bracket:under_13", "correct-reason": "entry_error"},
    )
    assert response.status_code == 403
    assert Referral.objects.get(pk=referral.pk).age_bracket == "from_13_to_17"


@pytest.mark.django_db
def test_the_service_refuses_a_correction_to_the_same_value(people, referral):
    from core.errors import ApplicationError
    from referrals.services import referral_correct

    with pytest.raises(ApplicationError) as refusal:
        referral_correct(
            actor=people["cell"],
            referral=referral,
            field="age_bracket",
            value="from_13_to_17",
            reason="entry_error",
        )
    assert "rien à corriger" in refusal.value.message
