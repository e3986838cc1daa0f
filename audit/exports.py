"""CSV and JSON Lines exports of audit events: one serializer for the page and the command.

Columns are the event's fields in chain order plus its hash (``EXPORT_FIELDS``), events in
ascending sequence order, times in the canonical UTC form of the chain: an export is enough to
re-verify every hash and link it contains (docs/audit.md). Rows are read with
``values_list().iterator()`` and written one at a time, so memory stays constant.

No spreadsheet "formula escaping": it would change values and break verification. Values are
codes, references, hex digits, IP addresses and usernames (letters, digits and ``@.+-_``), so
no cell can hold a spreadsheet function call.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from audit.chain import FIELDS
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


def rows(queryset) -> Iterator[dict]:
    """The events of ``queryset`` as export records, in ascending sequence order."""
    values = queryset.order_by("seq").values_list(*EXPORT_FIELDS)
    for row in values.iterator(chunk_size=CHUNK_SIZE):
        yield _record(row)


class _Line:
    """A write-only "file" for csv.writer that hands back what was written."""

    def write(self, value):
        return value


def csv_lines(records: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Line(), lineterminator="\n")
    yield writer.writerow(EXPORT_FIELDS)
    for record in records:
        yield writer.writerow(
            ["" if record[name] is None else record[name] for name in EXPORT_FIELDS]
        )


def jsonl_lines(records: Iterable[dict]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def lines(export_format: str, queryset) -> Iterator[str]:
    """The export of ``queryset`` in ``export_format`` (csv or jsonl), line by line."""
    if export_format == ExportFormat.CSV:
        return csv_lines(rows(queryset))
    if export_format == ExportFormat.JSONL:
        return jsonl_lines(rows(queryset))
    raise ValueError(export_format)
