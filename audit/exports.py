"""CSV and JSON Lines exports of audit events: one serializer for the page and the command.

Columns are the event's fields in chain order plus its hash (``EXPORT_FIELDS``), events in
ascending sequence order, times in the canonical UTC form of the chain: an export is enough to
re-verify every hash and link it contains (docs/audit.md). Rows are read by a server-side cursor
declared inside a transaction (PostgreSQL streams them, with no WITH HOLD temporary file) and
written one at a time, so memory stays constant.

Every export ends with a **trailer** line (``Trailer``): how many events it holds, the last
sequence number of the chain it covers and that event's hash, and whether it was filtered. A
file cut anywhere (a killed worker, a full disk, a truncated download) has no trailer or a
count that does not match, and ``audit_verify_export`` (audit/export_check.py) says so.

No spreadsheet "formula escaping": it would change values and break verification. Values are
codes, references, hex digits, IP addresses and usernames (letters, digits and ``@.+-_``), so
no cell can hold a spreadsheet function call.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from audit.chain import FIELDS, pg_time
from audit.timestamps import format_time
from audit.vocabularies import ExportFormat

EXPORT_FIELDS = (*FIELDS, "hash")
CHUNK_SIZE = 2000
CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.JSONL: "application/jsonl; charset=utf-8",
}
EXTENSIONS = {ExportFormat.CSV: "csv", ExportFormat.JSONL: "jsonl"}


def _record(row) -> dict:
    record = dict(zip(EXPORT_FIELDS, row, strict=True))
    record["occurred_at"] = format_time(record["occurred_at"])
    if record["client_ip"] is not None:
        record["client_ip"] = str(record["client_ip"])
    return record


TRAILER_PREFIX = "# relais-export-end v1"
TRAILER_KEY = "relais_export_end"


@dataclass(frozen=True)
class Trailer:
    """The last line of every export: ``count`` events, covering the chain up to
    ``last_seq`` whose hash is ``head_hash``; ``filtered``: only some of those events."""

    count: int
    last_seq: int
    head_hash: str
    filtered: bool

    def csv_line(self) -> str:
        return (
            f"{TRAILER_PREFIX} count={self.count} last_seq={self.last_seq} "
            f"head_hash={self.head_hash} filtered={int(self.filtered)}\n"
        )

    def jsonl_line(self) -> str:
        record = {
            TRAILER_KEY: "v1",
            "count": self.count,
            "last_seq": self.last_seq,
            "head_hash": self.head_hash,
            "filtered": self.filtered,
        }
        return json.dumps(record, separators=(",", ":")) + "\n"


def rows(queryset) -> Iterator[dict]:
    """The events of ``queryset`` as export records, in ascending sequence order, read inside
    one transaction (a consistent snapshot; on PostgreSQL a cursor without WITH HOLD)."""
    values = queryset.order_by("seq").values_list(*EXPORT_FIELDS)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            yield from _text_records(values)
            return
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            yield _record(row)


def _text_records(values) -> Iterator[dict]:
    # Columns as PostgreSQL's text: no datetime or Decimal objects built and formatted again.
    from psycopg.types.string import TextLoader

    sql, params = values.query.sql_with_params()
    connection.ensure_connection()
    with connection.connection.cursor(name="relais_audit_export", withhold=False) as cursor:
        for type_name in ("timestamptz", "inet"):
            cursor.adapters.register_loader(type_name, TextLoader)
        cursor.itersize = CHUNK_SIZE
        cursor.execute(sql, params)
        for row in cursor:
            record = dict(zip(EXPORT_FIELDS, row, strict=True))
            record["occurred_at"] = pg_time(record["occurred_at"])
            yield record


class _Line:
    """A write-only "file" for csv.writer that hands back what was written."""

    def write(self, value):
        return value


# The project's one CSV convention (as monitoring's exports): ";"-separated, UTF-8 with a
# byte-order mark, so that French spreadsheet software opens it in columns and in UTF-8.
CSV_DELIMITER = ";"
CSV_BOM = "\ufeff"


def csv_lines(records: Iterable[dict], head=None, filtered=False) -> Iterator[str]:
    writer = csv.writer(_Line(), delimiter=CSV_DELIMITER, lineterminator="\n")
    yield CSV_BOM + writer.writerow(EXPORT_FIELDS)
    count = 0
    for record in records:
        yield writer.writerow(
            ["" if record[name] is None else record[name] for name in EXPORT_FIELDS]
        )
        count += 1
    if head is not None:
        yield Trailer(count, head[0], head[1], filtered).csv_line()


def jsonl_lines(records: Iterable[dict], head=None, filtered=False) -> Iterator[str]:
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    count = 0
    for record in records:
        yield dumps(record) + "\n"
        count += 1
    if head is not None:
        yield Trailer(count, head[0], head[1], filtered).jsonl_line()


def lines(
    export_format: str, queryset, *, head: tuple[int, str] | None = None, filtered: bool = False
) -> Iterator[str]:
    """The export of ``queryset`` in ``export_format`` (csv or jsonl), line by line, ending
    with the trailer of ``head`` (the chain's (seq, hash) the export covers) when given."""
    if export_format == ExportFormat.CSV:
        return csv_lines(rows(queryset), head, filtered)
    if export_format == ExportFormat.JSONL:
        return jsonl_lines(rows(queryset), head, filtered)
    raise ValueError(export_format)
