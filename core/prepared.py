"""Prepared statements for the few statements every transition sends (PostgreSQL).

Django sends every query with client-side binding and never prepares one (it disables
psycopg's prepared statements, for connection poolers). The statement of a transition — the
row's UPDATE, the stay writes and the audit append in one statement of five common table
expressions — then costs the server a parse, analysis and plan each time: measured, about
0.5 ms of the server's 1.3 ms per transition (docs/performance.md). ``prepared_cursor``
sends a statement with server-side binding and prepares it on the connection the first
time it runs: later runs are only bound and executed.

Only statements run through this cursor are prepared (the connection's threshold stays out
of reach of every other query). Through Django's cursor wrapper, so query logging, counting
(``assertNumQueries``) and ``execute_wrapper`` see them as any other query.

Transaction-mode poolers (PgBouncer before 1.21, or without ``max_prepared_statements``)
cannot carry prepared statements: ``RELAIS_DB_PREPARED_STATEMENTS = False`` sends the same
statements without preparing them (docs/operations.md).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import connection

# The connection's automatic threshold, out of reach: psycopg prepares nothing unless a
# statement asks (``prepare=True``), and asks nothing when the threshold is None.
_ONLY_WHEN_ASKED = 2**62


def _enabled() -> bool:
    return connection.vendor == "postgresql" and getattr(
        settings, "RELAIS_DB_PREPARED_STATEMENTS", True
    )


@functools.cache
def _classes():
    from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor
    from django.db.backends.utils import CursorWrapper

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=True, binary=None):
            return super().execute(query, params, prepare=prepare, binary=binary)

    class PreparedDebugWrapper(CursorDebugWrapper):
        # Django logs the text psycopg sent, which a prepared statement does not keep: log
        # the statement and its parameters as given.
        def execute(self, sql, params=None):
            with self.debug_sql(sql, params):
                return CursorWrapper.execute(self, sql, params)

    return PreparingCursor, PreparedDebugWrapper


def prepared_cursor():
    """A cursor (use it as a context manager) whose statements are prepared on PostgreSQL;
    Django's usual cursor elsewhere or when ``RELAIS_DB_PREPARED_STATEMENTS`` is off."""
    if not _enabled():
        return connection.cursor()
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = connection.connection
        if raw.prepare_threshold is None:
            raw.prepare_threshold = _ONLY_WHEN_ASKED
        preparing, debug_wrapper = _classes()
        cursor = preparing(raw)
        # As Django's own cursors (``create_cursor``): timestamps read in the connection's
        # time zone, registered only when the connection's loader disagrees.
        loader = raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, cursor)
        connection.validate_thread_sharing()
        if connection.queries_logged:
            return debug_wrapper(cursor, connection)
        return connection.make_cursor(cursor)


@functools.lru_cache(maxsize=64)
def _lock_statement(model, alias: str):
    """The ORM's own ``select_for_update().get(pk=…)`` statement for ``model``, compiled once:
    its SQL, the attribute names of its columns and the converters of their values."""
    query = model._base_manager.using(alias).select_for_update().filter(pk=0).order_by().query
    compiler = query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if list(params) != [0]:  # the primary key is the one parameter
        raise LookupError(f"unexpected lock statement for {model.__name__}: {params!r}")
    names = [column.target.attname for column, _sql, _alias in compiler.select]
    converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
    return sql, names, converters


def locked_get(model, pk):
    """``model._base_manager.select_for_update().get(pk=pk)``: the row, locked until the end
    of the caller's transaction, as a model instance (``model.DoesNotExist`` when there is
    none). On PostgreSQL the statement is the ORM's, compiled once per model and prepared:
    compiling it cost more than the lock's round trip (~0.25 ms)."""
    if not _enabled() or connection.get_autocommit():
        # (Outside a transaction, the ORM refuses: TransactionManagementError, as before.)
        return model._base_manager.select_for_update().get(pk=pk)
    sql, names, converters = _lock_statement(model, connection.alias)
    with prepared_cursor() as cursor:
        # As the ORM prepares a lookup's value (``int("12")``; ValueError for garbage).
        cursor.execute(sql, [model._meta.pk.get_prep_value(pk)])
        row = cursor.fetchone()
    if row is None:
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    if converters:
        row = list(row)
        for index, (functions, expression) in converters.items():
            for function in functions:
                row[index] = function(row[index], expression, connection)
    return model.from_db(connection.alias, names, row)
