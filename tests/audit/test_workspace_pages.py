"""Event detail, per-reference timeline and the chain page (status, verification button)."""

import pytest

from audit.models import AuditEvent, AuditVerification
from audit.services import audit_checkpoint_create
from tests.audit import tamper
from tests.factories import AuditEventFactory

pytestmark = pytest.mark.django_db


def test_event_detail_shows_every_field_and_a_local_check(auditor_client):
    event = AuditEventFactory(reference="VAL-2026-0042", code="agreed")
    response = auditor_client.get(f"/audit/events/{event.seq}/")
    assert response.status_code == 200
    body = response.content.decode()
    for value in (event.hash, event.prev_hash, "VAL-2026-0042", "agreed", "start_assessment"):
        assert value in body
    assert response.context["check"].hash_ok and response.context["check"].link_ok
    assert "L'empreinte correspond au contenu" in body


def test_event_detail_flags_a_tampered_event(auditor_client):
    event = AuditEventFactory()
    tamper.drop_triggers()
    tamper.edit(event.seq, code="forged")
    response = auditor_client.get(f"/audit/events/{event.seq}/")
    assert not response.context["check"].hash_ok
    assert "ne correspond pas" in response.content.decode()


def test_unknown_event_is_a_404(auditor_client):
    assert auditor_client.get("/audit/events/999999/").status_code == 404


def test_timeline_has_every_event_of_a_reference_and_its_tracks_in_order(auditor_client):
    AuditEventFactory(reference="VAL-2026-0042", transition="register", action="create")
    AuditEventFactory(reference="VAL-2026-0099")
    AuditEventFactory(reference="VAL-2026-0042", object_type="support_track", transition="take")
    AuditEventFactory(reference="VAL-2026-0042", action="access", transition="")
    response = auditor_client.get("/audit/timeline/", {"reference": "val-2026-0042"})
    assert response.status_code == 200
    items = response.context["page"].items
    assert [e.seq for e in items] == list(
        AuditEvent.objects.filter(reference="VAL-2026-0042")
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert {e.object_type for e in items} == {"referral", "support_track"}
    assert "Chronologie de VAL-2026-0042" in response.content.decode()


def test_timeline_pages_forward(auditor_client):
    AuditEventFactory.create_batch(130, reference="VAL-2026-0001")
    first = auditor_client.get("/audit/timeline/", {"reference": "VAL-2026-0001"})
    page = first.context["page"]
    assert len(page.items) == 100 and page.newer == page.items[-1].seq
    second = auditor_client.get(
        "/audit/timeline/", {"reference": "VAL-2026-0001", "after": page.newer}
    )
    seqs = [e.seq for e in page.items] + [e.seq for e in second.context["page"].items]
    assert seqs == list(
        AuditEvent.objects.filter(reference="VAL-2026-0001")
        .order_by("seq")
        .values_list("seq", flat=True)
    )


@pytest.mark.parametrize("reference", ["", "Jean Dupont", "VAL 2026"])
def test_timeline_invalid_reference_is_a_french_400(auditor_client, reference):
    response = auditor_client.get("/audit/timeline/", {"reference": reference})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Référence invalide" in body or "Ce champ est obligatoire" in body


def test_chain_page_runs_a_verification_and_shows_it(auditor, auditor_client):
    AuditEventFactory.create_batch(5)
    audit_checkpoint_create()
    page = auditor_client.get("/audit/chain/")
    assert "Aucune vérification enregistrée" in page.content.decode()
    assert "relais-checkpoint v1 seq=6 " in page.content.decode()
    head = AuditEvent.objects.order_by("-seq").first()
    response = auditor_client.post("/audit/chain/", follow=True)
    assert response.status_code == 200
    verification = AuditVerification.objects.get()
    assert verification.ok
    assert (verification.event_count, verification.head_seq) == (head.seq, head.seq)
    assert (verification.head_hash, verification.checkpoint_count) == (head.hash, 1)
    assert (verification.actor, verification.role) == (auditor, "auditor")
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.code, event.object_id, event.actor_id) == (
        "verify",
        "ok",
        head.seq,
        auditor.pk,
    )
    body = response.content.decode()
    assert "Chaîne intègre" in body and head.hash in body


def test_chain_page_reports_a_broken_chain(auditor_client):
    AuditEventFactory.create_batch(5)
    tamper.drop_triggers()
    tamper.edit(3, code="forged")
    response = auditor_client.post("/audit/chain/", follow=True)
    verification = AuditVerification.objects.get()
    assert (verification.ok, verification.broken_seq, verification.reason) == (
        False,
        3,
        "hash_mismatch",
    )
    body = response.content.decode()
    assert "Chaîne rompue au numéro 3" in body
    assert "Empreinte ne correspondant pas au contenu" in body
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.code, event.object_id) == ("verify", "hash_mismatch", 3)


def test_verify_command_with_record_is_shown_on_the_page(auditor_client):
    from io import StringIO

    from django.core.management import call_command

    AuditEventFactory.create_batch(2)
    call_command("audit_verify", "--record", stdout=StringIO())
    verification = AuditVerification.objects.get()
    assert verification.ok and verification.role == "system" and verification.actor is None
    assert "commande planifiée" in auditor_client.get("/audit/chain/").content.decode()
