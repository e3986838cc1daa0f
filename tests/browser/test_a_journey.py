"""One referral through the real pages, every role in its own browser: the cell registers →
the coordinator triages into two domains → a member takes, records the first contact,
pauses, resumes and completes one track, then completes the other → the cell reviews and
closes → the delegate's counts move → the auditor finds the events, verifies the chain and
exports them.

(The strategic group's reading of a release is not part of this journey yet: releases are
being built by another change.)"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

pytestmark = pytest.mark.browser

REFERENCE = "VAL-2026-0777"


def _row(page, *texts):
    row = page.locator("tr")
    for text in texts:
        row = row.filter(has_text=text)
    return row.first


def _submit(page, form):
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def _action_form(page, action):
    return page.locator(f"section[aria-labelledby='{action}-title'] form")


def _take_from(page, *row_texts):
    with page.expect_navigation():
        _row(page, *row_texts).get_by_role("link", name="Prendre en charge").click()
    assert "Prendre en charge cette tâche" in page.inner_text("body")
    with page.expect_navigation():
        page.get_by_role("button", name="Prendre en charge").click()


def _confirm(page, expected):
    body = page.inner_text("body")
    assert expected in body, body
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer").click()


def _carry_track(page, domain, *, with_pause):
    today = timezone.localdate().isoformat()
    page.goto("/member/")
    _take_from(page, REFERENCE, domain)
    assert f"{domain} — {REFERENCE}" in page.inner_text("body")
    form = _action_form(page, "first_contact")
    form.locator("input[type=date]").fill(today)
    form.locator("select").select_option("interview")
    _submit(page, form)
    if with_pause:
        form = _action_form(page, "hold")
        form.locator("select").select_option("person_unavailable")
        _submit(page, form)
        assert "En pause" in page.inner_text("body")
        _submit(page, _action_form(page, "resume"))
        assert "Actif" in page.inner_text("body")
    form = _action_form(page, "complete")
    form.locator("select").select_option("goals_reached")
    _submit(page, form)
    _confirm(page, f"Terminer l'accompagnement {REFERENCE} — {domain}")


def test_a_referral_from_registration_to_closure_and_audit(session_for):
    delegate = session_for("demo-delegate")
    delegate.page.goto("/monitoring/")
    counts_before = delegate.page.inner_text("main")

    # The cell registers the referral.
    cell = session_for("demo-cell")
    page = cell.page
    with page.expect_navigation():
        page.get_by_role("link", name="Enregistrer une orientation").click()
    received = (timezone.localdate() - timedelta(days=1)).isoformat()
    page.fill("input[name=reference]", REFERENCE)
    page.fill("input[name=received_on]", received)
    page.select_option("select[name=commune]", label="Anzin")
    for name, value in (
        ("age_bracket", "from_18_to_25"),
        ("place_typology", "urban"),
        ("family_involved", "unknown"),
        ("released_from_prison", "no"),
        ("family_asked_for_help", "no"),
        ("priority", "normal"),
        ("agreement", "person_agreed"),
    ):
        page.select_option(f"select[name={name}]", value)
    page.check("input[name=requested_domains][value=social]")
    page.fill("input[name=agreement_date]", received)
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").click()
    assert page.url.endswith("/cell/")
    assert REFERENCE in page.inner_text("body")

    # The coordinator triages it into two domains.
    coordinator = session_for("demo-coordinator")
    page = coordinator.page
    _take_from(page, REFERENCE)
    page.check("input[name=triage-decision][value=open_support]")
    page.check("input[name=triage-domains][value=social]")
    page.check("input[name=triage-domains][value=psychological]")
    with page.expect_navigation():
        page.get_by_role("button", name="Valider l'examen").click()
    assert "/coordination/" in page.url

    # A member carries both tracks (one with a pause).
    member = session_for("demo-member")
    _carry_track(member.page, "Social", with_pause=True)
    _carry_track(member.page, "Psychologique", with_pause=False)

    # Every track ended: the review is the cell's; it closes the referral.
    page = cell.page
    page.goto("/cell/")
    _take_from(page, REFERENCE, "Bilan")
    page.check("input[name=review-decision][value=close]")
    page.select_option("select[name=review-code]", "goals_reached")
    with page.expect_navigation():
        page.get_by_role("button", name="Valider le bilan").click()
    assert _row(page, REFERENCE).inner_text().count("Clôturée") == 1

    # The delegate's aggregated counts moved.
    delegate.page.goto("/monitoring/")
    assert delegate.page.inner_text("main") != counts_before

    # The auditor finds the events by reference, verifies the chain and exports.
    auditor = session_for("demo-auditor")
    page = auditor.page
    page.goto(f"/audit/timeline/?reference={REFERENCE}")
    events = page.inner_text("main")
    for label in (
        "Enregistrement",
        "Ouvrir l'accompagnement",
        "Mettre en pause",
        "Terminer avec une issue",
        "Clôturer",
        "Objectifs atteints",
    ):
        assert label in events, label
    page.goto("/audit/chain/")
    with page.expect_navigation():
        page.get_by_role("button", name="Vérifier la chaîne maintenant").click()
    assert "Chaîne intègre" in page.inner_text("main")
    page.goto(f"/audit/?reference={REFERENCE}")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeffseq;occurred_at;")
    assert text.count(REFERENCE) >= 10
    for session in (cell, coordinator, member, delegate, auditor):
        assert session.errors == [], session.errors
