"""Landing pages: each role's counts, the coordinator's "Mes tâches" with links that continue
them (also from the case page), and a member's empty queue explained."""

from html import unescape

import pytest

from directory.models import MemberProfile
from tests.workflows.conftest import start_referral, take, task_of, triage_open


@pytest.mark.django_db
def test_the_coordinator_sees_and_continues_a_triage_they_took(client, people):
    process = start_referral(people["cell"])
    task = take(task_of(process, "triage"), people["coordinator"])
    execute = task.flow_task.reverse("execute", args=[process.pk, task.pk])
    client.force_login(people["coordinator"])
    home = unescape(client.get("/coordination/").content.decode())
    assert "Mes tâches" in home and execute in home
    assert 'class="relais-count">1</span> mes tâches' in home
    case = unescape(
        client.get(f"/coordination/orientations/{process.artifact_object_id}/").content.decode()
    )
    assert "Continuer : Examen par le coordinateur" in case and execute in case


@pytest.mark.django_db
def test_the_cell_landing_page_counts_and_links_to_the_list(client, people):
    for _ in range(2):
        start_referral(people["cell"])
    triage_open(start_referral(people["cell"]), people["coordinator"])
    client.force_login(people["cell"])
    home = unescape(client.get("/cell/").content.decode())
    for number, label, link in (
        (2, "reçues, à examiner", "/cell/orientations/?state=received"),
        (0, "en examen", "/cell/orientations/?state=in_assessment"),
        (1, "en accompagnement", "/cell/orientations/?state=in_support"),
        (0, "bilans à conduire", "#reviews-title"),
        (0, "retournées à la cellule", "/cell/orientations/?state=returned"),
    ):
        assert f'<a href="{link}"><span class="relais-count">{number}</span> {label}' in home
    assert 'href="/cell/orientations/"' in home


@pytest.mark.django_db
def test_the_cell_landing_page_counts_stop_at_the_cap(client, people, monkeypatch):
    from workflows import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    for _ in range(4):
        start_referral(people["cell"])
    client.force_login(people["cell"])
    home = unescape(client.get("/cell/").content.decode())
    assert 'class="relais-count">2+</span> reçues, à examiner' in home


@pytest.mark.django_db
def test_a_member_at_capacity_is_told_why_the_queue_is_empty(client, people, in_support):
    member = people["member"]
    MemberProfile.objects.filter(user=member).update(capacity=1)
    take(task_of(in_support, "support", status="NEW"), member)
    start = start_referral(people["cell"])  # noqa: F841 — more work exists in the domain
    client.force_login(member)
    home = unescape(client.get("/member/").content.decode())
    assert "Vous tenez déjà le maximum de 1 accompagnement" in home
    assert "capacité atteinte)" not in home
