"""The cell corrects the commune like the other coded data: the new commune is an active one of
the reference data of communes (as at registration), audited as ``correct_commune`` with the
old and new INSEE codes, and shown in the case's history with the communes' names."""

from html import unescape

import pytest
from django.contrib.messages import get_messages

from audit import chain
from audit.models import AuditEvent
from core.errors import ApplicationError
from directory.models import Commune
from referrals.models import Referral
from referrals.services import referral_correct
from tests.workflows.conftest import start_referral


@pytest.fixture
def referral(people):
    process = start_referral(people["cell"])  # registered in Valenciennes (59606)
    return Referral.objects.get(pk=process.artifact_object_id)


@pytest.mark.django_db
def test_the_cell_corrects_the_commune_and_the_history_names_both(client, people, referral):
    client.force_login(people["cell"])
    page = f"/cell/orientations/{referral.pk}/"
    form = unescape(client.get(page).content.decode())
    assert 'value="commune:59014"' in form  # offered: an active commune of the reference data
    assert 'value="commune:59606"' not in form  # not the current one
    events = AuditEvent.objects.count()
    response = client.post(
        f"{page}correct/", {"correct-correction": "commune:59014", "correct-reason": "entry_error"}
    )
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).commune.insee_code == "59014"
    (event,) = AuditEvent.objects.order_by("seq")[events:]
    assert (event.transition, event.from_state, event.to_state, event.code, event.role) == (
        "correct_commune",
        "59606",
        "59014",
        "entry_error",
        "cell_liaison",
    )
    assert chain.verify().ok
    html = unescape(client.get(page).content.decode())
    history = html[html.index('id="history-title"') :]
    assert "Correction : commune" in history
    assert "Valenciennes (59606) → Anzin (59014)" in history
    assert "Erreur de saisie" in history


@pytest.mark.django_db
def test_a_commune_outside_the_reference_data_is_refused(client, people, referral):
    client.force_login(people["cell"])
    events = AuditEvent.objects.count()
    response = client.post(
        f"/cell/orientations/{referral.pk}/correct/",
        {"correct-correction": "commune:99999", "correct-reason": "entry_error"},
    )
    assert response.status_code == 302
    assert any("Sélectionnez" in str(m) for m in get_messages(response.wsgi_request))
    assert Referral.objects.get(pk=referral.pk).commune.insee_code == "59606"
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["99999", "59014-inactive", "59606"])
def test_the_service_refuses_an_unknown_inactive_or_unchanged_commune(people, referral, code):
    if code == "59014-inactive":
        Commune.objects.filter(insee_code="59014").update(active=False)
        code = "59014"
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refusal:
        referral_correct(
            actor=people["cell"],
            referral=referral,
            field="commune",
            value=code,
            reason="entry_error",
        )
    assert refusal.value.field == "value"
    assert Referral.objects.get(pk=referral.pk).commune.insee_code == "59606"
    assert AuditEvent.objects.count() == events
