"""The list pages cost the same number of queries with 5 or 200 rows (no COUNT, no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AuditEventFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return captured.captured_queries


@pytest.mark.parametrize(
    "url,params",
    [
        ("/audit/", {}),
        ("/audit/", {"role": "system", "action": "transition"}),
        ("/audit/timeline/", {"reference": "VAL-2026-0001"}),
    ],
)
def test_event_pages_query_count_is_independent_of_size(
    auditor_client, django_assert_num_queries, url, params
):
    AuditEventFactory.create_batch(5, reference="VAL-2026-0001")
    queries(auditor_client, url, params)  # warm caches (content types, sessions)
    small = queries(auditor_client, url, params)
    AuditEventFactory.create_batch(195, reference="VAL-2026-0001")
    with django_assert_num_queries(len(small)):
        auditor_client.get(url, params)
    assert not any("COUNT(" in q["sql"].upper() for q in small)


def test_history_query_count_is_independent_of_size(auditor_client, django_assert_num_queries):
    OrganisationFactory.create_batch(5)
    queries(auditor_client, "/audit/history/")
    small = queries(auditor_client, "/audit/history/")
    OrganisationFactory.create_batch(195)
    with django_assert_num_queries(len(small)):
        auditor_client.get("/audit/history/")


def test_list_page_is_one_indexed_keyset_query(auditor_client):
    AuditEventFactory.create_batch(60)
    page_queries = [
        q["sql"]
        for q in queries(auditor_client, "/audit/", {"before": 30})
        if "audit_auditevent" in q["sql"]
    ]
    assert len(page_queries) == 1
    sql = page_queries[0].upper()
    assert "ORDER BY" in sql and "LIMIT 51" in sql and "OFFSET" not in sql
