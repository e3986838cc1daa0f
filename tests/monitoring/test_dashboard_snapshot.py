"""The unfiltered dashboard can come from a snapshot in the (shared) cache: computed once,
then served without touching case data until it expires or ``monitoring_snapshot`` renews
it. Filtered views are always live. Off by default outside production."""

from datetime import date
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring import selectors
from monitoring.dashboard import dashboard_tables
from monitoring.selectors import Filters
from tests.monitoring.builders import Case, build

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _queries(filters=None):
    with CaptureQueriesContext(connection) as queries:
        tables = dashboard_tables(filters or Filters(), today=TODAY)
    return len(queries), {t.slug: t.body for t in tables}


def test_off_by_default_every_view_is_live(cast, clock):
    build(cast, Case(state="in_assessment", received_on=date(2026, 1, 5)), clock)
    first, _ = _queries()
    second, _ = _queries()
    assert first == second == 9  # dashboard_figures_compute: nine queries


def test_snapshot_serves_the_unfiltered_dashboard_without_case_queries(cast, clock, settings):
    settings.RELAIS_DASHBOARD_SNAPSHOT_SECONDS = 300
    build(cast, Case(state="in_assessment", received_on=date(2026, 1, 5)), clock)
    first, live = _queries()
    second, cached = _queries()
    assert first == 9
    assert second == 0
    assert cached == live
    # A change after the snapshot shows once the snapshot is renewed (cron command).
    build(cast, Case(state="received", received_on=date(2026, 2, 2)), clock)
    assert _queries()[1] == live
    clock.set_day(TODAY)  # the command snapshots today's dashboard
    call_command("monitoring_snapshot", stdout=StringIO())
    assert _queries()[1] != live


def test_filtered_views_are_always_live(cast, clock, settings):
    settings.RELAIS_DASHBOARD_SNAPSHOT_SECONDS = 300
    build(cast, Case(state="in_assessment", received_on=date(2026, 1, 5)), clock)
    filters = Filters(commune="59606")
    assert _queries(filters)[0] == 9
    assert _queries(filters)[0] == 9


def test_snapshot_key_changes_with_the_day():
    assert selectors.dashboard_key(TODAY) != selectors.dashboard_key(date(2026, 6, 16))
