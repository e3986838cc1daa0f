"""The strategic group never sees a count from 1 to threshold - 1: not in the page, the print
view or the CSV; the legend explains the markers; the threshold is a setting."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from monitoring.tables import parse_csv
from referrals.vocabularies import AgeBracket, YesNoUnknown
from tests.factories import UserFactory
from tests.monitoring.builders import Case, build
from tests.monitoring.test_csv_equals_page import page_tables

COUNT_TABLES_EXCLUDED = {"territorial"}  # coded answers and counts of events, not of people


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
            assert cell in (f"< {threshold}", "s"), cell


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


@pytest.mark.django_db
@pytest.mark.parametrize("threshold", [5, 10, 3])
def test_no_small_count_in_page_print_or_csv(client, small_data, settings, threshold):
    settings.RELAIS_SUPPRESSION_THRESHOLD = threshold
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))
    query = "?period=2026-Q1"
    page = client.get(reverse("indicators:index") + query)
    printed = client.get(reverse("indicators:print") + query)
    export = client.get(reverse("indicators:export", args=["all"]) + query)
    for response in (page, printed):
        tables = page_tables(response.content).tables
        assert_nothing_small(published_counts(tables), threshold)
    csv_cells = [cell for row in parse_csv(export.content) for cell in row[1:]]
    for cell in csv_cells:
        if cell.isdigit():
            assert not 0 < int(cell) < threshold, cell
    body = page.content.decode()
    if threshold == 5:
        assert "« &lt; 5 » : effectif compris entre 1 et 4" in body
        assert "« s » : valeur d&#x27;au moins 5 masquée" in body


@pytest.mark.django_db
def test_age_bracket_example(client, small_data):
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))
    tables = page_tables(client.get(reverse("indicators:index") + "?period=2026-Q1").content)
    # 1 (under 13), 3, 3 with a published total of 7: every non-zero bracket is small.
    assert tables.tables["age-bracket"] == [
        ["Modalité", "Effectif"],
        ["Moins de 13 ans", "< 5"],
        ["13 à 17 ans", "< 5"],
        ["18 à 25 ans", "< 5"],
        ["26 à 40 ans", "0"],
        ["Plus de 40 ans", "0"],
        ["Total", "7"],
    ]
    assert tables.tables["family-dynamic"] == [
        ["Modalité", "Effectif"],
        ["Oui", "s"],
        ["Non", "< 5"],
        ["Non renseigné", "0"],
        ["Total", "7"],
    ]
    assert tables.tables["key-figures"] == [
        ["Indicateur", "Effectif"],
        ["Orientations reçues", "7"],
        ["Orientations clôturées", "< 5"],
    ]


@pytest.mark.django_db
def test_default_period_is_the_current_quarter(client, db):
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))
    from monitoring.periods import current_quarter

    body = client.get(reverse("indicators:index")).content.decode()
    assert current_quarter().label in body
