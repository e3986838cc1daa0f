"""Passwords sent in parallel once the back-off has started: one request takes the window,
the others wait — the back-off is not a check that every racing request passes at once.
PostgreSQL, real connections in threads."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F

from tests.accounts.conftest import login_attempt
from tests.accounts.conftest import password_checks as password_checks  # noqa: F401
from tests.concurrency.conftest import committed_reference_data as committed_reference_data  # noqa: F401
from tests.concurrency.conftest import postgres_only, race
from tests.factories import UserFactory

pytestmark = postgres_only

AFTER = 3


@pytest.mark.django_db(transaction=True)
def test_parallel_passwords_in_one_window_are_checked_once(
    committed_reference_data,  # noqa: F811
    settings,
    password_checks,  # noqa: F811
):
    settings.AXES_FAILURE_LIMIT = 10
    settings.RELAIS_LOGIN_BACKOFF_AFTER = AFTER
    settings.RELAIS_LOGIN_BACKOFF_SECONDS = 60
    settings.RELAIS_LOGIN_BACKOFF_MAX_SECONDS = 600
    UserFactory(username="alice")
    for _ in range(AFTER):
        login_attempt("alice")
    # The delay (60 s) is over.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=61))
    before = len(password_checks)

    def guess(i):
        def run():
            return login_attempt("alice", f"guess-{i}", ip=f"192.0.2.{i + 1}").status_code

        return run

    statuses = race(*[guess(i) for i in range(6)])
    assert sorted(statuses) == [200] + [429] * 5, statuses
    assert len(password_checks) - before == 1
