"""CSV and JSON Lines exports of audit events: one serializer for the page and the command.

Columns are the event's fields in chain order plus its hash (``EXPORT_FIELDS``), events in
ascending sequence order, times in the canonical UTC form of the chain: an export is enough to
re-verify every hash and link it contains (docs/audit.md). On PostgreSQL the rows come by one
COPY inside a transaction and are turned into CSV or JSON Lines a block at a time
(``_copy_lines``); elsewhere they are read in chunks and written one at a time. Either way
memory stays constant.

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
from itertools import islice

from django.db import connection, connections, transaction
from django.db.models.expressions import RawSQL

from audit.chain import FIELDS, copy_out_blocks, pg_time
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
    """The export of ``queryset`` in ``export_format`` (csv or jsonl), ending with the trailer
    of ``head`` (the chain's (seq, hash) the export covers) when given. Pieces of whole lines:
    one line each from a list of records (SQLite), blocks of many lines on PostgreSQL."""
    if export_format not in (ExportFormat.CSV, ExportFormat.JSONL):
        raise ValueError(export_format)
    if connections[queryset.db].vendor == "postgresql":
        return _copy_lines(export_format, queryset, head, filtered)
    if export_format == ExportFormat.CSV:
        return csv_lines(rows(queryset), head, filtered)
    return jsonl_lines(rows(queryset), head, filtered)


# PostgreSQL: the rows come by COPY in its text form (one statement inside a transaction: a
# consistent snapshot, streamed, no cursor and no temporary file), the time already in the
# canonical form, in blocks of about EXPORT_BLOCK_BYTES. A block of ordinary values becomes
# its CSV or JSON Lines text with a few bytes operations for the whole block; a block holding
# anything a CSV or JSON writer would quote or escape goes through ``csv_lines`` /
# ``jsonl_lines`` one record at a time (same output).
EXPORT_BLOCK_BYTES = 1 << 20
CANONICAL_TIME_SQL = (
    "pg_catalog.to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
)
_NULL = {ExportFormat.CSV: b"", ExportFormat.JSONL: b"null"}
# JSON values written as they are (numbers, or null); the others are strings.
_JSON_BARE = {"seq", "actor_id", "object_id", "client_ip"}
_JSON_TEMPLATE = (
    "{"
    + ",".join(f'"{name}":' + ("%s" if name in _JSON_BARE else '"%s"') for name in EXPORT_FIELDS)
    + "}\n"
).encode("ascii")
_COLUMNS = len(EXPORT_FIELDS)
_IP = EXPORT_FIELDS.index("client_ip")
# Bytes that CSV would quote for: the delimiter, the quote, a carriage return; COPY's escape
# character (an escaped newline or tab). For JSON: the quote, the backslash, control characters.
_CSV_SPECIAL = (b";", b'"', b"\\", b"\r")
_JSON_SPECIAL = b'"\\' + bytes(c for c in range(32) if c not in (9, 10))
_COPY_ESCAPES = {b"b": "\b", b"f": "\f", b"n": "\n", b"r": "\r", b"t": "\t", b"v": "\v"}


def _copy_statement(queryset, export_format: str):
    values = (
        queryset.order_by("seq")
        .annotate(canonical_time=RawSQL(CANONICAL_TIME_SQL, ()))  # noqa: S611 — constant
        .values_list(EXPORT_FIELDS[0], "canonical_time", *EXPORT_FIELDS[2:])
    )
    sql, params = values.query.sql_with_params()
    null = _NULL[export_format].decode()
    return f"COPY ({sql}) TO STDOUT (NULL '{null}')", params


def _copy_export_blocks(queryset, export_format: str):
    """(block, rows): complete COPY text lines, about EXPORT_BLOCK_BYTES at a time."""
    statement, params = _copy_statement(queryset, export_format)
    with transaction.atomic(using=queryset.db), connections[queryset.db].cursor() as cursor:
        for block in copy_out_blocks(cursor, statement, params, EXPORT_BLOCK_BYTES):
            yield block, block.count(b"\n")


def _unescape(value: bytes) -> str:
    """One column of COPY's text form as its value (backslash sequences decoded)."""
    text = value.decode("utf-8")
    if "\\" not in text:
        return text
    out, chars = [], iter(text)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        escaped = next(chars, "")
        out.append(_COPY_ESCAPES.get(escaped.encode(), escaped))
    return "".join(out)


def _copy_records(block: bytes, export_format: str) -> Iterator[dict]:
    null = _NULL[export_format]
    for line in block.split(b"\n")[:-1]:
        values = line.split(b"\t")
        record = {}
        for name, value in zip(EXPORT_FIELDS, values, strict=True):
            if name in _JSON_BARE and name != "seq" and value == null:
                record[name] = None
            elif name in _JSON_BARE and name != "client_ip":
                record[name] = int(value)
            else:
                record[name] = _unescape(value)
        yield record


def _csv_block(block: bytes) -> str | None:
    if any(special in block for special in _CSV_SPECIAL):
        return None
    return block.replace(b"\t", CSV_DELIMITER.encode()).decode("utf-8")


def _jsonl_block(block: bytes, rows: int) -> str | None:
    if len(block.translate(None, _JSON_SPECIAL)) != len(block):
        return None
    flat = block.replace(b"\n", b"\t").split(b"\t")
    flat.pop()  # after the last newline
    if len(flat) != _COLUMNS * rows:
        return None
    flat[_IP::_COLUMNS] = [ip if ip == b"null" else b'"%s"' % ip for ip in flat[_IP::_COLUMNS]]
    return b"".join(map(_JSON_TEMPLATE.__mod__, zip(*[iter(flat)] * _COLUMNS, strict=True))).decode(
        "utf-8"
    )


def _copy_lines(export_format: str, queryset, head, filtered) -> Iterator[str]:
    count = 0
    as_csv = export_format == ExportFormat.CSV
    writer = csv_lines if as_csv else jsonl_lines
    if as_csv:
        yield from csv_lines((), None)  # the header
    for block, rows in _copy_export_blocks(queryset, export_format):
        text = _csv_block(block) if as_csv else _jsonl_block(block, rows)
        if text is None:
            pieces = writer(_copy_records(block, export_format), None)
            text = "".join(islice(pieces, int(as_csv), None))  # without a second CSV header
        count += rows
        yield text
    if head is not None:
        trailer = Trailer(count, head[0], head[1], filtered)
        yield trailer.csv_line() if as_csv else trailer.jsonl_line()
