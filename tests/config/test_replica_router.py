"""Which database each read goes to, and what happens when the replica lags or is down."""

import pytest
from django.db import DatabaseError, transaction
from django.test import RequestFactory

from audit.models import AuditEvent
from config import routers
from referrals.models import Referral


@pytest.fixture(autouse=True)
def fresh_health():
    routers._health.update(until=0.0, usable=False)
    yield
    routers._health.update(until=0.0, usable=False)


@pytest.fixture
def on_replica():
    token = routers._use_replica.set(True)
    yield
    routers._use_replica.reset(token)


router = routers.ReplicaRouter()


def test_reads_go_to_the_primary_outside_read_only_pages():
    assert router.db_for_read(Referral) == "default"
    assert router.db_for_read(AuditEvent) == "default"


def test_read_only_pages_read_case_and_audit_data_from_the_replica(on_replica):
    assert router.db_for_read(Referral) == "replica"
    assert router.db_for_read(AuditEvent) == "replica"


def test_accounts_and_sessions_are_always_read_from_the_primary(on_replica):
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.models import Session

    for model in (User, Group, Session):
        assert router.db_for_read(model) == "default"


@pytest.mark.django_db
def test_a_read_inside_a_write_transaction_stays_on_the_primary(on_replica):
    with transaction.atomic():
        assert router.db_for_read(Referral) == "default"


def test_writes_always_go_to_the_primary(on_replica):
    assert router.db_for_write(Referral) == "default"
    assert router.db_for_write(AuditEvent) == "default"


def test_nothing_is_migrated_on_the_replica():
    assert router.allow_migrate("replica", "referrals") is False
    assert router.allow_migrate("default", "referrals") is True


def _lag(value):
    def probe():
        if isinstance(value, Exception):
            raise value
        return value

    return probe


def test_replica_in_step_is_used(monkeypatch, settings):
    settings.RELAIS_REPLICA_MAX_LAG_SECONDS = 30
    monkeypatch.setattr(routers, "replica_lag_seconds", _lag(2.5))
    assert routers.replica_usable() is True


def test_replica_lagging_too_much_is_not_used(monkeypatch, settings, caplog):
    settings.RELAIS_REPLICA_MAX_LAG_SECONDS = 30
    monkeypatch.setattr(routers, "replica_lag_seconds", _lag(95.0))
    assert routers.replica_usable() is False
    assert "lags by 95.0 s" in caplog.text


def test_replica_down_is_not_used(monkeypatch, caplog):
    monkeypatch.setattr(routers, "replica_lag_seconds", _lag(DatabaseError("refused")))
    assert routers.replica_usable() is False
    assert "unreachable" in caplog.text


def test_health_is_probed_at_most_every_few_seconds(monkeypatch):
    calls = []

    def probe():
        calls.append(1)
        return 0.0

    monkeypatch.setattr(routers, "replica_lag_seconds", probe)
    now = [100.0]
    assert routers.replica_usable(clock=lambda: now[0])
    now[0] += routers.HEALTH_SECONDS / 2
    assert routers.replica_usable(clock=lambda: now[0])
    assert len(calls) == 1
    now[0] += routers.HEALTH_SECONDS
    routers.replica_usable(clock=lambda: now[0])
    assert len(calls) == 2


def _through_middleware(path, method="GET", *, usable=True, configured=True, monkeypatch):
    monkeypatch.setattr(routers, "replica_configured", lambda: configured)
    monkeypatch.setattr(routers, "replica_usable", lambda: usable)
    seen = {}

    def view(request):
        seen["replica"] = routers.reading_replica()
        return "response"

    middleware = routers.ReadOnlyPagesMiddleware(view)
    request = getattr(RequestFactory(), method.lower())(path)
    assert middleware(request) == "response"
    assert routers.reading_replica() is False  # reset after the request
    return seen["replica"]


@pytest.mark.parametrize("path", ["/monitoring/", "/indicators/", "/audit/", "/audit/export/"])
def test_read_only_pages_use_the_replica(path, monkeypatch):
    assert _through_middleware(path, monkeypatch=monkeypatch) is True


@pytest.mark.parametrize("path", ["/cell/", "/coordination/", "/member/", "/workflow/queue/"])
def test_case_work_pages_use_the_primary(path, monkeypatch):
    assert _through_middleware(path, monkeypatch=monkeypatch) is False


def test_posts_use_the_primary(monkeypatch):
    assert _through_middleware("/audit/", "POST", monkeypatch=monkeypatch) is False


def test_replica_not_configured_or_unusable_means_primary(monkeypatch):
    assert _through_middleware("/monitoring/", configured=False, monkeypatch=monkeypatch) is False
    assert _through_middleware("/monitoring/", usable=False, monkeypatch=monkeypatch) is False


def test_replica_failing_during_a_request_gives_a_french_503_and_primary_next(on_replica):
    middleware = routers.ReadOnlyPagesMiddleware(lambda request: None)
    request = RequestFactory().get("/monitoring/")
    response = middleware.process_exception(request, DatabaseError("connection lost"))
    assert response.status_code == 503
    assert "momentanément indisponible" in response.content.decode()
    assert routers.replica_usable() is False  # marked down: the next requests read the primary


def test_other_errors_are_not_turned_into_503(on_replica):
    middleware = routers.ReadOnlyPagesMiddleware(lambda request: None)
    request = RequestFactory().get("/monitoring/")
    assert middleware.process_exception(request, ValueError("bug")) is None
