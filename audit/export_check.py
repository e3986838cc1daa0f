"""Checking an export file on its own: every hash and link it holds, and its trailer (count,
last sequence number, head hash), so that a file cut anywhere is reported. Used by
``audit_verify_export``; docs/audit.md gives the same check as a stdlib-only script."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from audit.chain import FIELDS, FORMAT, GENESIS_HASH, LINE_NAMES
from audit.exports import (
    CSV_BOM,
    CSV_DELIMITER,
    EXPORT_FIELDS,
    TRAILER_KEY,
    TRAILER_PREFIX,
    Trailer,
)


@dataclass(frozen=True)
class ExportCheck:
    ok: bool
    count: int
    reason: str = ""
    trailer: Trailer | None = None

    def line(self) -> str:
        if self.ok:
            t = self.trailer
            scope = "filtered" if t.filtered else "complete"
            return f"OK {self.count} events ({scope}), up to seq {t.last_seq}, head {t.head_hash}"
        return f"BROKEN: {self.reason}"


class _Bad(Exception):
    pass


def _event_hash(record: dict) -> str:
    lines = [FORMAT] + [
        f"{LINE_NAMES.get(name, name)}={'' if record[name] is None else record[name]}"
        for name in FIELDS
    ]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _parse_csv_trailer(line: str) -> Trailer:
    parts = line.strip().removeprefix(TRAILER_PREFIX).split()
    values = dict(part.split("=", 1) for part in parts if "=" in part)
    try:
        return Trailer(
            int(values["count"]),
            int(values["last_seq"]),
            values["head_hash"],
            values["filtered"] == "1",
        )
    except (KeyError, ValueError) as exc:
        raise _Bad("unreadable trailer") from exc


def _parse(lines: list[str]) -> tuple[list[dict], Trailer]:
    body = [line for line in lines if line.strip()]
    if not body:
        raise _Bad("empty file: no trailer")
    last = body[-1]
    body[0] = body[0].removeprefix(CSV_BOM)
    if body[0].startswith(EXPORT_FIELDS[0] + CSV_DELIMITER):  # CSV: a header line
        if not last.startswith(TRAILER_PREFIX):
            raise _Bad("no trailer: the file is cut")
        trailer = _parse_csv_trailer(last)
        reader = csv.DictReader(body[:-1], delimiter=CSV_DELIMITER)
        if tuple(reader.fieldnames or ()) != EXPORT_FIELDS:
            raise _Bad("unexpected CSV header")
        records = [dict(row) for row in reader]
    else:
        try:
            end = json.loads(last)
        except ValueError:
            end = None
        if not isinstance(end, dict) or end.get(TRAILER_KEY) != "v1":
            raise _Bad("no trailer: the file is cut")
        try:
            records = [json.loads(line) for line in body[:-1]]
        except ValueError as exc:
            raise _Bad("unreadable line: the file is damaged") from exc
        try:
            trailer = Trailer(
                int(end["count"]), int(end["last_seq"]), end["head_hash"], bool(end["filtered"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _Bad("unreadable trailer") from exc
    return records, trailer


def check_export(lines: Iterable[str]) -> ExportCheck:
    """Check an export (CSV or JSON Lines, told apart by the CSV header)."""
    count = 0
    try:
        records, trailer = _parse(list(lines))
        if len(records) != trailer.count:
            raise _Bad(
                f"the trailer announces {trailer.count} events but the file holds {len(records)}"
            )
        prev = None
        for record in records:
            if set(record) != set(EXPORT_FIELDS):
                raise _Bad(f"event {count + 1} of the file has unexpected fields")
            seq = int(record["seq"])
            if _event_hash(record) != record["hash"]:
                raise _Bad(f"seq {seq}: hash does not match the event's content")
            if prev is None:
                if not trailer.filtered and seq != 1:
                    raise _Bad(f"a complete export starts at seq 1, not {seq}")
                if seq == 1 and record["prev_hash"] != GENESIS_HASH:
                    raise _Bad("seq 1: previous-hash link does not match")
            else:
                prev_seq = int(prev["seq"])
                if seq <= prev_seq:
                    raise _Bad(f"seq {seq} after seq {prev_seq}: not in ascending order")
                if not trailer.filtered and seq != prev_seq + 1:
                    raise _Bad(f"event {prev_seq + 1} is missing")
                if seq == prev_seq + 1 and record["prev_hash"] != prev["hash"]:
                    raise _Bad(f"seq {seq}: previous-hash link does not match")
            if seq > trailer.last_seq:
                raise _Bad(f"seq {seq} is beyond the last seq {trailer.last_seq} of the trailer")
            if seq == trailer.last_seq and record["hash"] != trailer.head_hash:
                raise _Bad(f"seq {seq}: hash differs from the trailer's head hash")
            prev = record
            count += 1
        if not trailer.filtered and count != trailer.last_seq:
            raise _Bad(
                f"the trailer says the chain went to seq {trailer.last_seq} but the file "
                f"stops at seq {count}"
            )
    except _Bad as bad:
        return ExportCheck(False, count, str(bad))
    return ExportCheck(True, count, trailer=trailer)
