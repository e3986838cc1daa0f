"""Publishing releases: ended quarters only, in order, frozen, audited; late corrections as new
versions only when safe; the coordinator's page and the scheduled command; audited exports."""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.chain import verify
from audit.models import AuditEvent
from core.errors import ApplicationError
from core.roles import Role
from monitoring.models import IndicatorLedger, IndicatorRelease, ReleaseTrigger
from monitoring.services import indicator_releases_publish
from referrals.vocabularies import AgeBracket
from tests.factories import UserFactory
from tests.monitoring.builders import Case, build


def at(clock, day: date):
    clock.current = datetime(
        day.year, day.month, day.day, 9, tzinfo=timezone.get_current_timezone()
    )


@pytest.fixture
def first_quarter(cast, clock):
    """Twelve referrals received in the first quarter of 2026 (6 aged 13-17, 6 aged 18-25)."""
    for i in range(12):
        age = AgeBracket.FROM_13_TO_17 if i % 2 else AgeBracket.FROM_18_TO_25
        build(cast, Case(received_on=date(2026, 1, 5 + i), age_bracket=age), clock)
    at(clock, date(2026, 4, 2))
    return cast


def publish(**kwargs):
    return indicator_releases_publish(trigger=ReleaseTrigger.COMMAND, years=[2026], **kwargs)


def release_events():
    return list(AuditEvent.objects.filter(object_type="indicator_release").order_by("seq"))


@pytest.mark.django_db
def test_only_ended_quarters_are_released_once_and_audited(first_quarter, clock):
    report = publish()
    assert [(r.period.code, r.version) for r in report.released] == [("2026-Q1", 1)]
    release = report.released[0]
    assert release.figures["received"]["total"] == 12
    assert release.figures["received"]["age_bracket"]["from_13_to_17"] == 6
    assert release.released_by is None and release.trigger == "command"
    [event] = release_events()
    assert (event.action, event.transition, event.code, event.role) == (
        "create",
        "publish",
        "2026_q1",
        "system",
    )
    assert event.object_id == release.pk
    # Idempotent: nothing new until the next quarter ends.
    assert not publish().released
    assert IndicatorLedger.objects.count() == 1
    at(clock, date(2026, 7, 1))
    assert {r.period.code for r in publish().released} == {"2026-Q2", "2026-S1"}
    assert verify().ok


@pytest.mark.django_db
def test_a_safe_correction_is_a_new_version(client, first_quarter, clock, cast):
    publish()
    for i in range(5):  # five late referrals of one bracket: a safe change
        build(cast, Case(received_on=date(2026, 2, 10 + i), age_bracket="over_40"), clock)
    at(clock, date(2026, 4, 20))
    report = publish()
    assert [(r.period.code, r.version) for r in report.released] == [("2026-Q1", 2)]
    assert report.released[0].figures["received"]["total"] == 17
    assert release_events()[-1].transition == "correct"
    # Version 1 stays stored, unchanged.
    v1 = IndicatorRelease.objects.get(period_start=date(2026, 1, 1), version=1)
    assert v1.figures["received"]["total"] == 12
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))
    body = client.get(reverse("indicators:index") + "?period=2026-Q1").content.decode()
    assert "Publication du 20/04/2026, version 2." in body


@pytest.mark.django_db
def test_an_unsafe_correction_is_withheld_until_it_is_safe(first_quarter, clock, cast):
    publish()
    build(cast, Case(received_on=date(2026, 2, 10), age_bracket="over_40"), clock)
    at(clock, date(2026, 4, 20))
    report = publish()
    assert report.withheld == [(2026, "received")] and not report.released
    for i in range(4):  # four more: now five over 40, a safe change
        build(cast, Case(received_on=date(2026, 2, 11 + i), age_bracket="over_40"), clock)
    at(clock, date(2026, 4, 21))
    assert [(r.period.code, r.version) for r in publish().released] == [("2026-Q1", 2)]


@pytest.mark.django_db
def test_the_coordinator_publishes_from_the_page(client, first_quarter):
    coordinator = first_quarter.coordinator
    client.force_login(coordinator)
    # First the confirmation page, naming the quarters it would release: nothing published.
    asked = client.post(reverse("indicators:releases"))
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "1er trimestre 2026" in html and "4e trimestre 2025" in html
    assert "2e trimestre 2026" not in html  # not ended
    assert 'name="confirmed" value="1"' in html and "C'est définitif" in html
    assert not IndicatorRelease.objects.exists() and not release_events()
    response = client.post(reverse("indicators:releases"), {"confirmed": "1"}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "1er trimestre 2026 (v1)" in body
    # This year's first quarter, and (by default) the whole previous year.
    assert IndicatorRelease.objects.filter(period_start__year=2025).count() == 7
    release = IndicatorRelease.objects.get(period_start=date(2026, 1, 1), period_kind="quarter")
    assert release.released_by == coordinator and release.trigger == "coordinator"
    assert {(e.role, e.actor_id) for e in release_events()} == {("coordinator", coordinator.pk)}
    page = client.get(reverse("indicators:releases")).content.decode()
    assert 'id="table-releases"' in page and "Coordinateur (page des publications)" in page
    # Again: nothing new.
    asked = client.post(reverse("indicators:releases")).content.decode()
    assert "Aucun trimestre terminé n'attend de publication" in asked
    again = client.post(reverse("indicators:releases"), {"confirmed": "1"}, follow=True)
    again = again.content.decode()
    assert "Rien de nouveau à publier." in again


@pytest.mark.django_db
def test_refusals_change_nothing(first_quarter):
    strategic = UserFactory(roles=[Role.STRATEGIC_GROUP])
    with pytest.raises(ApplicationError, match="Seul le coordinateur"):
        indicator_releases_publish(actor=strategic, trigger=ReleaseTrigger.COORDINATOR)
    with pytest.raises(ApplicationError, match="Année hors limites"):
        indicator_releases_publish(trigger=ReleaseTrigger.COMMAND, years=[2027])
    assert not IndicatorRelease.objects.exists() and not release_events()


@pytest.mark.django_db
def test_a_threshold_below_three_is_refused(first_quarter, settings):
    settings.RELAIS_SUPPRESSION_THRESHOLD = 2  # "not published" would then mean "exactly 1"
    with pytest.raises(ApplicationError, match="au moins 3"):
        publish()
    assert not IndicatorRelease.objects.exists()


@pytest.mark.django_db
def test_the_command(first_quarter):
    out = StringIO()
    call_command("indicators_release", "--year", "2026", "--today", "2026-04-02", stdout=out)
    assert "publié : 2026-Q1 v1" in out.getvalue()
    with pytest.raises(CommandError, match="Année hors limites"):
        call_command("indicators_release", "--year", "1999", stdout=StringIO())


@pytest.mark.django_db
def test_a_small_previous_year_gives_yearly_figures_only(first_quarter, settings):
    """No referral in 2025: in 2026 only the year will be published (fixed at the first
    release, from 2025's total, never from 2026's counts)."""
    settings.RELAIS_INDICATORS_QUARTER_FLOOR = 300
    settings.RELAIS_INDICATORS_SEMESTER_FLOOR = 60
    [release] = publish().released
    assert release.figures["received"]["withheld"] and release.figures["received"]["total"] is None
    ledger = IndicatorLedger.objects.get(year=2026)
    assert {ledger.state[code]["grain"] for code in ledger.state} == {"year"}
