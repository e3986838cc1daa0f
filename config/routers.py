"""Read-only pages on a streaming replica (``DATABASE_REPLICA_URL``).

What goes to the replica: the reads of GET requests to the read-only pages — the State
delegates' dashboard (``/monitoring/``), the strategic group's indicators (``/indicators/``)
and the auditors' workspace (``/audit/``: browsing, verification, exports). Everything else
reads the primary, and so does, on those pages:

- every write (the router sends writes to the primary only), and every read inside a
  transaction (``select_for_update``, read-then-write), so a write never follows a stale read;
- accounts, groups, permissions, sessions and content types: a session created a moment ago
  on the primary may not have reached the replica yet.

When the replica is down or lags by more than ``RELAIS_REPLICA_MAX_LAG_SECONDS`` (checked at
most every ``HEALTH_SECONDS`` per process), the page reads the primary instead and a warning
is logged: the page is slower, never stale or missing. If the replica fails in the middle of
a request, that request answers 503 with a French message (it is not replayed: a page may
already have recorded an audit event), and the next requests use the primary until the
replica answers again.
"""

from __future__ import annotations

import contextvars
import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpResponse
from django.utils.translation import gettext as _

REPLICA = "replica"
READ_ONLY_PREFIXES = ("/monitoring/", "/indicators/", "/audit/")
PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "contenttypes", "admin"})
HEALTH_SECONDS = 5.0

log = logging.getLogger("relais.replica")
_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "relais_use_replica", default=False
)
_health = {"until": 0.0, "usable": False}


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


_LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


def replica_lag_seconds() -> float:
    """How far the replica's replay is behind (0 when it has replayed all it received).
    Raises DatabaseError when it does not answer."""
    connection = connections[REPLICA]
    if connection.vendor != "postgresql":
        connection.ensure_connection()
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute(_LAG_SQL)
        return float(cursor.fetchone()[0])


def replica_usable(*, clock=time.monotonic) -> bool:
    """Whether read-only pages may read the replica now: it answers, with an acceptable
    lag. The answer is kept ``HEALTH_SECONDS`` (one probe per process at most that often)."""
    now = clock()
    if now < _health["until"]:
        return _health["usable"]
    try:
        lag = replica_lag_seconds()
    except DatabaseError as exc:
        log.warning("replica unreachable, read-only pages read the primary: %s", exc)
        usable = False
    else:
        usable = lag <= settings.RELAIS_REPLICA_MAX_LAG_SECONDS
        if not usable:
            log.warning("replica lags by %.1f s, read-only pages read the primary", lag)
    _health.update(until=now + HEALTH_SECONDS, usable=usable)
    return usable


def replica_mark_down() -> None:
    _health.update(until=time.monotonic() + HEALTH_SECONDS, usable=False)


def reading_replica() -> bool:
    return _use_replica.get()


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _use_replica.get() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return "default"
        if connections["default"].in_atomic_block:
            return "default"  # a read inside a write transaction stays with the writes
        return REPLICA

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica receives the primary's schema through replication.
        return db != REPLICA


class ReadOnlyPagesMiddleware:
    """Marks GET/HEAD requests to the read-only pages for the replica when it is usable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        use = (
            request.method in ("GET", "HEAD")
            and request.path.startswith(READ_ONLY_PREFIXES)
            and replica_configured()
            and replica_usable()
        )
        token = _use_replica.set(use)
        try:
            return self.get_response(request)
        finally:
            _use_replica.reset(token)

    def process_exception(self, request, exception):
        if not (_use_replica.get() and isinstance(exception, DatabaseError)):
            return None
        replica_mark_down()
        log.error("replica failed during a request, the next ones read the primary: %s", exception)
        return HttpResponse(
            _(
                "La base de consultation est momentanément indisponible : "
                "réessayez dans un instant."
            ),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
