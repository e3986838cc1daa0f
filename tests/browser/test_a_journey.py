"""One referral through the real pages, every role in its own browser: the cell registers →
the coordinator triages into two domains → a member takes, records the first contact,
pauses, resumes and completes one track, then completes the other → the cell reviews and
closes → the delegate's counts move → the auditor finds the events, verifies the chain and
exports them → once the quarter has ended, the coordinator publishes its indicators and the
strategic group reads the release.

The journey runs on a controlled clock (``timezone.now``, shared by the live server's threads):
it happens forty days into a quarter, so that every demo case (received at most thirty days
before "today") falls in that quarter, and the clock then moves past the quarter's end for
the publication. The quarter's figures are therefore the demo's plus the journey's, whatever
the real date. The clock is in the future of the real one, so the browser's cookies stay
valid."""

import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

REFERENCE = "VAL-2026-0777"


class JourneyClock:
    """``timezone.now`` = a chosen start + the real time elapsed (so events keep their order),
    moved forward by ``jump_to``."""

    def __init__(self, start: datetime):
        self.offset = start - _real_now()

    def now(self) -> datetime:
        return _real_now() + self.offset

    def jump_to(self, moment: datetime) -> None:
        self.offset = moment - _real_now()


_real_now = timezone.now


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_quarter_start(day: date) -> date:
    start = _quarter_start(day)
    return date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)


def _at_ten(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=timezone.get_current_timezone())


@pytest.fixture(autouse=True)
def journey_clock(monkeypatch, settings):
    """Autouse, so it is in place before the demo is seeded. The indicators are published by
    quarter (the floors of the grain at 0) so that the journey's quarter is released on its own
    when it ends."""
    settings.RELAIS_INDICATORS_QUARTER_FLOOR = 0
    settings.RELAIS_INDICATORS_SEMESTER_FLOOR = 0
    quarter = _next_quarter_start(timezone.localdate())
    clock = JourneyClock(_at_ten(quarter + timedelta(days=40)))
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock


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


def test_a_referral_from_registration_to_closure_audit_and_release(session_for, journey_clock):
    from monitoring.selectors import quarter_counts

    quarter_start = _quarter_start(timezone.localdate())
    quarter_end = _next_quarter_start(quarter_start) - timedelta(days=1)
    number = (quarter_start.month - 1) // 3 + 1
    # The quarter's exact counts before the journey (the demo's), per population.
    before = {
        population: counts[number]["total"]
        for population, counts in quarter_counts(quarter_start.year).items()
    }
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
    _confirm(page, f"Clôturer l'orientation {REFERENCE} — Psychologique, Social")
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

    # The quarter ends. The coordinator publishes its indicators on the releases page.
    journey_clock.jump_to(_at_ten(quarter_end + timedelta(days=2)))
    publisher = session_for("demo-coordinator")
    page = publisher.page
    page.goto("/indicators/releases/")
    with page.expect_navigation():
        page.get_by_role("button", name="Publier les périodes terminées").click()
    quarter_label = f"{'1er' if number == 1 else f'{number}e'} trimestre {quarter_start.year}"
    _confirm(page, quarter_label)  # the confirmation names the quarter it releases
    published = _row(page, quarter_label, "Coordinateur", "demo-coordinator").inner_text()
    assert re.match(rf"{quarter_label}\t1\t", published), published

    # The strategic group reads the release. The quarter is a block of its own (the earlier
    # quarters count 0), so each population's total is published when it reaches the
    # threshold and is "s" otherwise: the demo's counts plus the journey's (one referral
    # received, one closed, two tracks ended). No figure shown counts 1 … threshold − 1. The
    # release's own table (version…) and the territorial indicators are not counts of people.
    threshold = settings_threshold()
    expected = {
        "received": before["received"] + 1,
        "closed": before["closed"] + 1,
        "tracks_ended": before["tracks_ended"] + 2,
    }
    assert expected["received"] >= threshold  # the journey's referral is in a published figure

    def shown(n):
        return str(n) if n >= threshold else "s"

    strategic = session_for("demo-strategic", height=1400)
    page = strategic.page
    page.goto(f"/indicators/?period={quarter_start.year}-Q{number}")
    main = page.inner_text("main")
    assert quarter_label in main and "version 1." in main, main
    for table, row, population in (
        ("key-figures", "Orientations reçues", "received"),
        ("key-figures", "Orientations clôturées", "closed"),
        ("tracks-by-domain", "Total", "tracks_ended"),
    ):
        cells = page.locator(f"#table-{table} tr").filter(has_text=row).first.locator("td")
        assert cells.last.inner_text().strip() == shown(expected[population]), (row, expected)
    counts = "main table:not(#table-release):not(#table-territorial) td"  # counts of people
    for text in page.locator(counts).all_inner_texts():
        figure = text.strip().replace("\u202f", "").replace(" ", "")
        if figure.isdigit():
            assert not 1 <= int(figure) < threshold, text
    if os.environ.get("RELAIS_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / "strategic-release.png"), full_page=True)
    for session in (cell, coordinator, member, delegate, auditor, publisher, strategic):
        assert session.errors == [], session.errors


def settings_threshold() -> int:
    from django.conf import settings

    return settings.RELAIS_SUPPRESSION_THRESHOLD
