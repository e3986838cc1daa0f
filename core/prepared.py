"""Prepared statements for the few statements every transition sends (PostgreSQL).

Django sends every query with client-side binding and never prepares one (it disables
psycopg's prepared statements, for connection poolers). The statement of a transition — the
row's UPDATE, the stay writes and the audit append in one statement of five common table
expressions — then costs the server a parse, analysis and plan each time: measured, 0.3–0.5
ms of the server's 1.3–1.5 ms per transition (docs/performance.md). ``prepared_cursor``
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
from dataclasses import dataclass

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


@dataclass(frozen=True)
class _LockStatement:
    sql: str
    converters: dict  # column index -> (Django's value converters, expression)
    start: int  # the model's own columns: row[start:end]
    end: int
    names: list
    populators: list  # Django's builders of the select_related objects


@functools.lru_cache(maxsize=64)
def _lock_statement(model, alias: str, related: tuple) -> _LockStatement:
    """The ORM's own ``select_for_update([of=self]).select_related(*related).get(pk=…)``
    statement for ``model``, compiled once, with what Django's ``ModelIterable`` uses to turn
    its row into instances."""
    from django.db.models.query import get_related_populators

    queryset = model._base_manager.using(alias)
    if related:
        queryset = queryset.select_for_update(of=("self",)).select_related(*related)
    else:
        queryset = queryset.select_for_update()
    compiler = queryset.filter(pk=0).order_by().query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if list(params) != [0]:  # the primary key is the one parameter
        raise LookupError(f"unexpected lock statement for {model.__name__}: {params!r}")
    fields = compiler.klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    columns = [column for column, _sql, _alias in compiler.select]
    return _LockStatement(
        sql=sql,
        # Computed once; applied with the calling thread's connection (the compiler's belongs
        # to the thread that compiled it).
        converters=compiler.get_converters(columns),
        start=start,
        end=end,
        names=[column.target.attname for column, _sql, _alias in compiler.select[start:end]],
        populators=get_related_populators(compiler.klass_info, compiler.select, alias),
    )


def locked_get(model, pk, *, related: tuple = ()):
    """``model._base_manager.select_for_update().get(pk=pk)`` — with ``related``,
    ``select_for_update(of=("self",)).select_related(*related)`` —: the row, locked until the
    end of the caller's transaction, as a model instance (``model.DoesNotExist`` when there is
    none). On PostgreSQL the statement is the ORM's, compiled once per model and prepared, and
    its row becomes instances as the ORM makes them (converters, related objects): compiling
    it cost more than the lock's round trip (~0.25 ms)."""
    if not _enabled() or connection.get_autocommit():
        # (Outside a transaction, the ORM refuses: TransactionManagementError, as before.)
        queryset = model._base_manager.select_for_update(of=("self",) if related else ())
        return queryset.select_related(*related).get(pk=pk)
    statement = _lock_statement(model, connection.alias, tuple(related))
    with prepared_cursor() as cursor:
        # As the ORM prepares a lookup's value (``int("12")``; ValueError for garbage).
        cursor.execute(statement.sql, [model._meta.pk.get_prep_value(pk)])
        row = cursor.fetchone()
    if row is None:
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    if statement.converters:  # as the compiler's ``apply_converters``
        row = list(row)
        for index, (functions, expression) in statement.converters.items():
            for function in functions:
                row[index] = function(row[index], expression, connection)
    own = row[statement.start : statement.end]
    instance = model.from_db(connection.alias, statement.names, own)
    for populator in statement.populators:
        populator.populate(row, instance)
    return instance
