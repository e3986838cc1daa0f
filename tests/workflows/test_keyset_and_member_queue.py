"""The cell's list pages by keyset (no OFFSET, no unbounded COUNT) and the member's queue
driven from tracks show what the plain queries show, with a fixed number of queries at any depth."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals.models import Referral
from tests.workflows.conftest import start_referral, triage_open
from workflows import services
from workflows.pages import PAGE_SIZE
from workflows.selectors import COUNT_CAP, member_queue_page, queue_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def muted_notifications(monkeypatch):
    monkeypatch.setattr(services, "notify_new_in_queue", lambda **kwargs: None)
    monkeypatch.setattr(services, "notify_assigned", lambda **kwargs: None)


def _references(html: str) -> list[str]:
    return re.findall(r">(VAL-\d{4}-\d{4})</a>", html)


def _next_link(html: str) -> str | None:
    found = re.search(r'href="\?etat=&amp;apres=([0-9-]+_\d+)"', html)
    return found.group(1) if found else None


def test_cell_pages_walk_every_referral_once_newest_first(client, people, muted_notifications):
    for _ in range(PAGE_SIZE + 12):
        start_referral(people["cell"])
    client.force_login(people["cell"])
    client.get("/cell/")  # warm-up
    with CaptureQueriesContext(connection) as first_queries:
        first = client.get("/cell/").content.decode()
    cursor = _next_link(first)
    assert cursor
    with CaptureQueriesContext(connection) as next_queries:
        second = client.get(f"/cell/?etat=&apres={cursor}").content.decode()
    assert len(next_queries) == len(first_queries)
    shown = _references(first) + _references(second)
    expected = list(
        Referral.objects.order_by("-received_on", "-pk").values_list("reference", flat=True)
    )
    assert shown == expected  # every referral once, in order, over the two pages
    assert _next_link(second) is None
    # No OFFSET, and no unbounded COUNT: the landing page's counts each count a subquery
    # limited to COUNT_CAP + 1 rows (shown "999+"), so they cost the same at any size.
    bounded = f"LIMIT {COUNT_CAP + 1}"
    bad = [
        q["sql"]
        for q in [*first_queries, *next_queries]
        if "OFFSET" in q["sql"] or ("COUNT(" in q["sql"] and bounded not in q["sql"])
    ]
    assert not bad, bad
    assert any("COUNT(" in q["sql"] for q in next_queries)  # the counts are there, bounded


@pytest.mark.parametrize("cursor", ["nonsense", "2026-13-01_4", "_", "2026-01-01_x"])
def test_a_malformed_cursor_shows_the_first_page(client, people, cursor, muted_notifications):
    for _ in range(3):
        start_referral(people["cell"])
    client.force_login(people["cell"])
    response = client.get(f"/cell/?apres={cursor}")
    assert response.status_code == 200
    assert _references(response.content.decode()) == _references(
        client.get("/cell/").content.decode()
    )


def test_member_queue_from_tracks_is_the_member_queue(people, muted_notifications):
    member, coordinator, cell = people["member"], people["coordinator"], people["cell"]
    for domains in (("social",), ("psychological",), ("social", "educational"), ("social",)):
        triage_open(start_referral(cell, domains=domains), coordinator, domains=domains)
    suspended = triage_open(start_referral(cell), coordinator)
    services.process_suspend(
        actor=coordinator, referral=suspended.artifact_object_id, reason="hospitalisation"
    )
    expected = list(queue_for(member).order_by("created", "pk"))
    assert len(expected) == 3  # social tasks of working referrals only (not vacuous)
    assert member_queue_page(member, limit=PAGE_SIZE) == expected
    assert member_queue_page(member, limit=2) == expected[:2]
