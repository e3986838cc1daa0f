"""One-time form tokens are purged by age, never sooner than the longest session: one DELETE on
the created_at index, the command says how many, a too-short retention is refused in French."""

import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import ApplicationError
from tests.factories import UserFactory
from workflows.models import Submission
from workflows.submissions import submissions_purge

pytestmark = pytest.mark.django_db


def token(user, *, hours_ago):
    submission = Submission.objects.create(user=user, token=uuid.uuid4())
    Submission.objects.filter(pk=submission.pk).update(
        created_at=timezone.now() - timedelta(hours=hours_ago)
    )
    return submission


@pytest.fixture
def user():
    return UserFactory()


def test_tokens_older_than_the_retention_are_deleted_and_recent_ones_kept(user, settings):
    settings.RELAIS_SUBMISSION_RETENTION_HOURS = 48
    old = [token(user, hours_ago=49), token(user, hours_ago=24 * 30)]
    recent = [token(user, hours_ago=1), token(user, hours_ago=47)]
    assert submissions_purge() == 2
    remaining = set(Submission.objects.values_list("pk", flat=True))
    assert remaining == {s.pk for s in recent}
    assert not remaining & {s.pk for s in old}


def test_the_purge_is_one_delete_whatever_the_number_of_rows(user, settings):
    settings.RELAIS_SUBMISSION_RETENTION_HOURS = 48
    for _ in range(30):
        token(user, hours_ago=100)
    with CaptureQueriesContext(connection) as captured:
        assert submissions_purge() == 30
    writes = [q["sql"] for q in captured.captured_queries if "workflows_submission" in q["sql"]]
    assert len(writes) == 1 and writes[0].upper().startswith("DELETE")


def test_a_retention_shorter_than_the_longest_session_is_refused(user, settings):
    settings.RELAIS_SESSION_MAX_SECONDS = 8 * 3600
    kept = token(user, hours_ago=7)
    with pytest.raises(ApplicationError, match="au moins 8 h"):
        submissions_purge(older_than_hours=7)
    assert Submission.objects.filter(pk=kept.pk).exists()
    assert submissions_purge(older_than_hours=8) == 0


def test_the_command_reports_and_refuses_in_french(user, settings, capsys):
    settings.RELAIS_SUBMISSION_RETENTION_HOURS = 48
    token(user, hours_ago=72)
    call_command("submissions_purge")
    assert "1 jeton(s) de formulaire supprimé(s)." in capsys.readouterr().out
    with pytest.raises(CommandError, match="Durée de conservation trop courte"):
        call_command("submissions_purge", "--older-than-hours", "1")
