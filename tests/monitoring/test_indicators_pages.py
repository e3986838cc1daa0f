"""The strategic group's pages show releases: never a count from 1 to threshold - 1 (page,
print view, CSV), one opaque mark with its legend, the release's date and version, only
released periods (the latest by default)."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from monitoring.models import ReleaseTrigger
from monitoring.services import indicator_releases_publish
from monitoring.tables import parse_csv
from referrals.vocabularies import AgeBracket, YesNoUnknown
from tests.factories import UserFactory
from tests.monitoring.builders import Case, build
from tests.monitoring.test_csv_equals_page import page_tables

# Coded answers and counts of events (not of people); the release's date and version.
COUNT_TABLES_EXCLUDED = {"territorial", "release"}


def published_counts(tables):
    """Every value cell of the count tables (labels and headers left out)."""
    for slug, rows in tables.items():
        if slug in COUNT_TABLES_EXCLUDED or len(rows) == 1 and len(rows[0]) == 1:
            continue
        for row in rows[1:]:
            yield from row[1:]


def assert_nothing_small(cells, threshold):
    cells = list(cells)
    assert cells
    for cell in cells:
        if cell.isdigit():
            assert not 0 < int(cell) < threshold, cell
        else:
            assert cell == "s", cell


@pytest.fixture
def small_data(cast, clock):
    # Q1 2026: 7 referrals received: 3 aged 13-17, 1 under 13, 3 aged 18-25; 2 closed;
    # family dynamic: 5 yes, 2 no.
    ages = [AgeBracket.FROM_13_TO_17] * 3 + [AgeBracket.UNDER_13] + [AgeBracket.FROM_18_TO_25] * 3
    for i, age in enumerate(ages):
        case = Case(
            state="closed" if i < 2 else "in_support",
            received_on=date(2026, 1, 5 + i),
            age_bracket=age,
            family_involved=YesNoUnknown.NO if i in (2, 3) else YesNoUnknown.YES,
            track="completed",
        )
        build(cast, case, clock)
    clock.current = datetime(2026, 5, 2, 9, tzinfo=timezone.get_current_timezone())
    return cast


def publish():
    return indicator_releases_publish(trigger=ReleaseTrigger.COMMAND, years=[2026])


@pytest.mark.django_db
@pytest.mark.parametrize("threshold", [5, 10, 3])
def test_no_small_count_in_page_print_or_csv(client, small_data, settings, threshold):
    settings.RELAIS_SUPPRESSION_THRESHOLD = threshold
    publish()
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))
    query = "?period=2026-Q1"
    page = client.get(reverse("indicators:index") + query)
    printed = client.get(reverse("indicators:print") + query)
    for response in (page, printed):
        tables = page_tables(response.content).tables
        assert_nothing_small(published_counts(tables), threshold)
    slugs = set(page_tables(page.content).tables) - COUNT_TABLES_EXCLUDED
    for slug in slugs:
        export = client.get(reverse("indicators:export", args=[slug]) + query)
        rows = parse_csv(export.content)
        rows = rows[: rows.index([])] if [] in rows else rows  # the legend follows
        for cell in (cell for row in rows[1:] for cell in row[1:]):
            assert not (cell.isdigit() and 0 < int(cell) < threshold), (slug, cell)
    body = page.content.decode()
    assert f"&lt; {threshold}" not in body  # one opaque mark, never "< 5"
    if threshold == 5:
        assert "« s » : valeur masquée (secret statistique) : elle concerne moins de 5" in body


@pytest.mark.django_db
def test_age_bracket_example(client, small_data):
    publish()
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))
    tables = page_tables(client.get(reverse("indicators:index") + "?period=2026-Q1").content)
    # 1 (under 13), 3, 3 with a published total of 7: every non-zero bracket is small.
    assert tables.tables["age-bracket"] == [
        ["Modalité", "Effectif"],
        ["Moins de 13 ans", "s"],
        ["13 à 17 ans", "s"],
        ["18 à 25 ans", "s"],
        ["26 à 40 ans", "0"],
        ["Plus de 40 ans", "0"],
        ["Total", "7"],
    ]
    assert tables.tables["family-dynamic"] == [
        ["Modalité", "Effectif"],
        ["Oui", "s"],  # hidden with the 2 "no", so that the hidden ones count at least 5
        ["Non", "s"],
        ["Non renseigné", "0"],
        ["Total", "7"],
    ]
    assert tables.tables["key-figures"] == [
        ["Indicateur", "Effectif"],
        ["Orientations reçues", "7"],
        ["Orientations clôturées", "s"],  # 2 closures: not published for Q1 alone
    ]


@pytest.mark.django_db
def test_only_released_periods_are_shown_latest_first(client, small_data, clock):
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))
    url = reverse("indicators:index")
    body = client.get(url).content.decode()
    assert 'id="no-release"' in body  # nothing released yet: a notice, no table
    assert 'id="table-' not in body
    assert client.get(reverse("indicators:export", args=["all"])).status_code == 404

    publish()  # 2 May 2026: only the first quarter has ended
    body = client.get(url).content.decode()
    assert "Indicateurs partagés du plan — 1er trimestre 2026" in body
    assert "Publication du 02/05/2026, version 1." in body
    refused = client.get(url + "?period=2026-Q2")  # running: not released
    assert refused.status_code == 400
    assert "n&#x27;est pas publiée" in refused.content.decode()
    assert 'id="table-' not in refused.content.decode()

    clock.current = datetime(2026, 7, 3, 9, tzinfo=timezone.get_current_timezone())
    publish()
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))  # the session has expired
    body = client.get(url).content.decode()  # the latest release: Q2 (ends with S1)
    assert "Indicateurs partagés du plan — 2e trimestre 2026" in body
    options = client.get(url).context["form"].fields["period"].widget.choices
    assert [code for code, _label in options] == ["2026-Q2", "2026-S1", "2026-Q1"]


@pytest.mark.django_db
def test_a_release_is_frozen(client, small_data, clock):
    """Referrals recorded after a release do not change it (one more would be revealed by
    comparing two days)."""
    publish()
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))
    url = reverse("indicators:export", args=["all"]) + "?period=2026-Q1"
    before = client.get(url).content
    assert "Orientations reçues;7" in before.decode("utf-8-sig")
    build(small_data, Case(state="received", received_on=date(2026, 2, 3)), clock)
    clock.current = datetime(2026, 5, 3, 9, tzinfo=timezone.get_current_timezone())
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))
    assert client.get(url).content == before
    report = publish()  # the late referral is a correction of one person: withheld
    assert report.withheld == [(2026, "received")] and not report.released
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))  # the clock moved
    assert client.get(url).content == before
