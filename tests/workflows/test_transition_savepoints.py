"""One transition through the case page opens no savepoint that serves nothing (issue 14).

The page's transaction is the one-time token's (``submission_once``); the process lock
(viewflow's ``SELECT … FOR UPDATE NOWAIT``) keeps its savepoint, which its retries need to go
on after a refused NOWAIT. The public service, the referral's service and the token's insert
run in that transaction without savepoints of their own (``core.transactions.joined``): before,
one suspension sent four ``SAVEPOINT``/``RELEASE`` pairs."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals.models import Referral


def _post_suspend(client, process):
    return client.post(
        f"/coordination/orientations/{process.artifact_object_id}/suspend/",
        {"suspend-code": "hospitalisation", "submission": str(uuid.uuid4())},
    )


@pytest.mark.django_db
def test_a_suspension_through_the_case_page_has_only_the_lock_savepoint(client, people, in_support):
    client.force_login(people["coordinator"])
    with CaptureQueriesContext(connection) as ctx:
        response = _post_suspend(client, in_support)
    assert response.status_code == 302
    assert Referral.objects.get(pk=in_support.artifact_object_id).state == "suspended"
    sql = [q["sql"] for q in ctx.captured_queries]
    # What each savepoint protects (the statement right after it). The test runs inside a
    # transaction, so the page's own transaction is a savepoint here (a BEGIN in production).
    protected = [sql[i + 1][:39] for i, s in enumerate(sql) if s.startswith("SAVEPOINT")]
    assert protected == [
        'SELECT 1 AS "a" FROM "workflows_submiss',  # the page's transaction
        'SELECT 1 AS "a" FROM "viewflow_process"',  # the process lock (NOWAIT retries)
        'UPDATE "django_session" SET "session_da',  # the session, after the action
    ]


@pytest.mark.django_db
def test_a_refused_suspension_writes_nothing(client, people, in_support):
    """Without their own savepoints, a refusal still leaves nothing: it leaves the page's
    transaction, which rolls back (here: suspending twice, the second is refused)."""
    from audit.models import AuditEvent
    from workflows.models import Submission

    client.force_login(people["coordinator"])
    _post_suspend(client, in_support)
    before = (AuditEvent.objects.count(), Submission.objects.count())
    response = _post_suspend(client, in_support)
    assert response.status_code == 302
    assert (AuditEvent.objects.count(), Submission.objects.count()) == before
    assert Referral.objects.get(pk=in_support.artifact_object_id).state == "suspended"
