"""Every CSV export holds exactly the rows of the table shown on the page (and the print view),
suppression markers and legends included."""

from __future__ import annotations

from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from monitoring.models import ReleaseTrigger
from monitoring.periods import parse_period
from monitoring.services import indicator_releases_publish, territorial_indicator_set
from monitoring.tables import parse_csv
from tests.factories import UserFactory
from tests.monitoring.builders import build
from tests.monitoring.test_aggregates import CASES

NOW = datetime(2026, 6, 15, 12)


class PageTables(HTMLParser):
    """Rows of every ``<table id="table-…">`` (cell texts), the notice of withheld tables
    (``<p id="table-…">``) and the legend items (``<ul class="notes">``) of each section."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.notes: dict[str, list[str]] = {}
        self.titles: list[str] = []
        self._table = self._row = self._cell = self._notice = None
        self._in_notes = False
        self._section = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        ident = attrs.get("id") or ""
        if tag == "section" and ident.startswith("section-"):
            self._section = ident.removeprefix("section-")
        elif tag == "h2" and self._section:
            self._in_title, self._title = True, ""
        elif tag == "table" and ident.startswith("table-"):
            self._table = ident.removeprefix("table-")
            self.tables[self._table] = []
        elif tag == "p" and ident.startswith("table-"):
            self._notice = ident.removeprefix("table-")
            self.tables[self._notice] = [[""]]
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""
        elif tag == "ul" and "notes" in (attrs.get("class") or "") and self._section:
            self._in_notes = True
            self.notes[self._section] = []
        elif tag == "li" and self._in_notes:
            self.notes[self._section].append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "p" and self._notice:
            self.tables[self._notice] = [[" ".join(self.tables[self._notice][0][0].split())]]
            self._notice = None
        elif tag == "ul":
            self._in_notes = False
        elif tag == "h2" and self._in_title:
            self.titles.append(" ".join(self._title.split()))
            self._in_title = False
        elif tag == "section":
            self._section = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif self._notice:
            self.tables[self._notice][0][0] += data
        elif self._in_notes and self.notes.get(self._section):
            self.notes[self._section][-1] += data
        if self._in_title:
            self._title += data


def page_tables(content: bytes) -> PageTables:
    parser = PageTables()
    parser.feed(content.decode())
    return parser


def split_csv(rows):
    """(table rows, legend lines) of a one-table CSV."""
    if [] in rows:
        cut = rows.index([])
        return rows[:cut], [" ".join(r[0].split()) for r in rows[cut + 1 :]]
    return rows, []


def notes_of(page, slug):
    return [" ".join(n.split()) for n in page.notes.get(slug, [])]


@pytest.fixture
def data(cast, clock):
    for case in CASES:
        build(cast, case, clock)
    clock.current = NOW.replace(tzinfo=timezone.get_current_timezone())
    territorial_indicator_set(
        actor=cast.coordinator, period="2026-Q2", indicator="trainings", value=3
    )
    territorial_indicator_set(
        actor=cast.coordinator, period="2026-Q2", indicator="community_tensions", value="low"
    )
    # Released on 2 July: the first quarter, the second and the first semester.
    clock.set_day(date(2026, 7, 2))
    report = indicator_releases_publish(trigger=ReleaseTrigger.COMMAND, years=[2026])
    assert {r.period.code for r in report.released} == {"2026-Q1", "2026-Q2", "2026-S1"}
    return cast


def assert_csv_equals_page(client, page_url, export_name, query, *, print_url=None):
    response = client.get(page_url + query)
    assert response.status_code == 200
    page = page_tables(response.content)
    assert page.tables, "no table on the page"
    views = [page]
    if print_url:
        printed = page_tables(client.get(print_url + query).content)
        assert printed.tables == page.tables
        views.append(printed)
    assert len(page.titles) == len(page.tables)
    expected_all = []
    for index, (slug, rows) in enumerate(page.tables.items()):
        export = client.get(reverse(export_name, args=[slug]) + query)
        assert export.status_code == 200
        assert export["Content-Type"].startswith("text/csv")
        exported = parse_csv(export.content)
        csv_rows, legend = split_csv(exported)
        assert csv_rows == rows, slug
        for view in views:
            assert legend == notes_of(view, slug), slug
        expected_all += [*([[]] if index else []), [page.titles[index]], *exported]
    # The all-tables export: every table, in page order, each introduced by its title.
    everything = parse_csv(client.get(reverse(export_name, args=["all"]) + query).content)
    assert everything == expected_all
    return page


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?period=2026-Q1", "?commune=59014&domain=social"])
def test_dashboard_csv_equals_page(client, data, query):
    client.force_login(UserFactory(roles=[Role.STATE_DELEGATE]))
    page = assert_csv_equals_page(client, reverse("monitoring:index"), "monitoring:export", query)
    assert len(page.tables) == 7


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?period=2026-Q1", "?period=2026-Q2", "?period=2026-S1"])
def test_indicators_csv_equals_page_and_print(client, data, query):
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))
    page = assert_csv_equals_page(
        client,
        reverse("indicators:index"),
        "indicators:export",
        query,
        print_url=reverse("indicators:print"),
    )
    assert page.tables["release"][1:] == [
        ["Période", parse_period(query.removeprefix("?period=")).label],
        ["Publiée le", "02/07/2026 10:00"],
        ["Version", "1"],
        ["Seuil du secret statistique", "5"],
    ]
    cells = [cell for rows in page.tables.values() for row in rows for cell in row]
    assert "s" in cells or any(n for n in page.notes.values())  # hidden values, with legend


@pytest.mark.django_db
def test_withheld_table_is_a_notice_in_page_and_csv(client, data):
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))
    query = "?period=2026-Q2"  # four tracks ended in Q2: below the threshold
    page = page_tables(client.get(reverse("indicators:index") + query).content)
    for slug in ("tracks-by-domain", "tracks-by-outcome"):
        notice = page.tables[slug]
        assert notice[0][0].startswith("Non publié pour cette période")
        export = client.get(reverse("indicators:export", args=[slug]) + query)
        assert parse_csv(export.content) == notice


def test_csv_cells_cannot_start_a_formula():
    from monitoring.tables import Table, csv_response

    table = Table(
        slug="t",
        title="t",
        header=["Organisation", "En retard"],
        body=[["=HYPERLINK(1)", "2"], ["@SUM", "0"], ["Association", "1"]],
    )
    rows = parse_csv(csv_response([table], "t.csv").content)
    assert rows == [
        ["Organisation", "En retard"],
        ["'=HYPERLINK(1)", "2"],
        ["'@SUM", "0"],
        ["Association", "1"],
    ]
