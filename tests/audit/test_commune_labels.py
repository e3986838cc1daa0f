"""A corrected commune is recorded by INSEE codes (reference data, not a fixed vocabulary):
the auditors' screens show each code with the commune's name — one query per page whatever
the number of such events — while exports keep the bare codes."""

from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Commune
from tests.factories import AuditEventFactory

pytestmark = pytest.mark.django_db

REFERENCE = "VAL-2026-0042"


def correction(from_code="59606", to_code="59014"):
    return AuditEventFactory(
        reference=REFERENCE,
        transition="correct_commune",
        from_state=from_code,
        to_state=to_code,
        code="entry_error",
    )


def page(client, url, params):
    response = client.get(url, params)
    assert response.status_code == 200
    return unescape(response.content.decode())


@pytest.mark.parametrize(
    "url,params", [("/audit/", {}), ("/audit/timeline/", {"reference": REFERENCE})]
)
def test_event_lists_name_the_communes(auditor_client, url, params):
    correction()
    html = page(auditor_client, url, params)
    assert "Valenciennes (59606) → Anzin (59014)" in html


def test_event_detail_names_the_communes(auditor_client):
    event = correction()
    html = page(auditor_client, f"/audit/events/{event.seq}/", {})
    assert "Valenciennes (59606)" in html
    assert "Anzin (59014)" in html


def test_a_withdrawn_commune_keeps_its_name_and_an_unknown_code_shows_as_itself(
    auditor_client,
):
    Commune.objects.filter(insee_code="59014").update(active=False)
    correction(from_code="00000", to_code="59014")
    html = page(auditor_client, "/audit/", {})
    assert "00000 → Anzin (59014)" in html


@pytest.mark.parametrize(
    "url,params", [("/audit/", {}), ("/audit/timeline/", {"reference": REFERENCE})]
)
def test_commune_names_cost_one_query_per_page(auditor_client, url, params):
    correction()
    page(auditor_client, url, params)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        page(auditor_client, url, params)
    for _ in range(20):
        correction()
    with CaptureQueriesContext(connection) as many:
        page(auditor_client, url, params)
    assert len(many) == len(few)
    communes = [q for q in many.captured_queries if "directory_commune" in q["sql"]]
    assert len(communes) == 1


def test_the_export_keeps_the_bare_codes(auditor_client):
    correction()
    response = auditor_client.get("/audit/export/csv/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "59606" in body and "59014" in body
    assert "Anzin" not in body
