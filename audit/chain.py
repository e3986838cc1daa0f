"""The hash chain: canonical serialisation, append, verification.

Canonical serialisation (format ``relais-audit-v1``, documented in docs/audit.md): the lines
below joined by a single LF, UTF-8 encoded, and hashed with SHA-256 (lowercase hex)::

    relais-audit-v1
    seq=<integer>
    occurred_at=<YYYY-MM-DDTHH:MM:SS.ffffffZ, UTC>
    actor_id=<integer or empty>
    actor=<username or empty>
    role=<code>
    action=<code>
    object_type=<code>
    object_id=<integer or empty>
    reference=<reference or empty>
    transition=<code or empty>
    from_state=<code or empty>
    to_state=<code or empty>
    code=<code or empty>
    request_id=<hex or empty>
    client_ip=<address or empty>
    prev_hash=<64 hex digits; 64 zeros for the first event>

Every field is validated (codes, reference pattern, usernames), so none contains a newline.
On PostgreSQL, the append is one call of the database function ``relais_audit_append``
(migration 0002), which locks the head row, builds the same text, hashes it and inserts the
event: one round trip per event. Elsewhere (SQLite, whose writers are serialised by the
database lock) the same steps run in Python.

``verify`` also compares checkpoints (``AuditCheckpoint`` rows and lines kept outside the
database, audit/checkpoints.py) with the events at their sequence numbers, so that a chain
rewritten consistently after a checkpoint is reported broken.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, ChainHead
from audit.timestamps import format_time

FORMAT = "relais-audit-v1"
FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_username",
    "role",
    "action",
    "object_type",
    "object_id",
    "reference",
    "transition",
    "from_state",
    "to_state",
    "code",
    "request_id",
    "client_ip",
    "prev_hash",
)
# The name each field has in the canonical text.
LINE_NAMES = {"actor_username": "actor"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_time(value)
    return str(value)


def canonical_text(values: dict) -> str:
    lines = [FORMAT]
    lines += [f"{LINE_NAMES.get(name, name)}={_text(values[name])}" for name in FIELDS]
    return "\n".join(lines)


def compute_hash(values: dict) -> str:
    return hashlib.sha256(canonical_text(values).encode("utf-8")).hexdigest()


APPEND_SQL = (
    "SELECT event_id, event_seq, event_hash, event_prev FROM relais_audit_append("
    "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def append(fields: dict) -> AuditEvent:
    """Append one event to the chain and return it (with seq, prev_hash and hash set).

    ``fields`` holds every model field but seq, prev_hash and hash. Must run inside the
    transaction of the change it records, so that both commit or neither does.
    """
    if connection.vendor == "postgresql":
        return _append_postgresql(fields)
    return _append_python(fields)


def _append_postgresql(fields: dict) -> AuditEvent:
    params = [
        fields["occurred_at"],
        fields["actor_id"],
        fields["actor_username"],
        fields["role"],
        fields["action"],
        fields["object_type"],
        fields["object_id"],
        fields["reference"],
        fields["transition"],
        fields["from_state"],
        fields["to_state"],
        fields["code"],
        fields["request_id"],
        fields["client_ip"],
    ]
    with connection.cursor() as cursor:
        cursor.execute(APPEND_SQL, params)
        event_id, seq, digest, prev = cursor.fetchone()
    event = AuditEvent(id=event_id, seq=seq, hash=digest, prev_hash=prev, **fields)
    event._state.adding = False
    event._state.db = connection.alias
    return event


def _append_python(fields: dict) -> AuditEvent:
    with transaction.atomic():
        head, _created = ChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": 0, "hash": GENESIS_HASH}
        )
        values = dict(fields, seq=head.seq + 1, prev_hash=head.hash)
        values["hash"] = compute_hash(values)
        event = AuditEvent.objects.create(**values)
        ChainHead.objects.filter(pk=1).update(seq=values["seq"], hash=values["hash"])
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""
    reason_code: str = ""  # an audit.vocabularies.VerifyReason code when broken
    checkpoint_count: int = 0  # checkpoints compared with the chain

    def line(self) -> str:
        if self.ok:
            return f"OK {self.count} events, head {self.head_hash}"
        return f"BROKEN at seq {self.broken_seq}: {self.reason}"


@dataclass(frozen=True)
class Checkpoint:
    """A head (seq, hash) recorded earlier: stored in the database or kept outside it."""

    seq: int
    hash: str
    external: bool = False


def _read_head() -> tuple[int, str]:
    return ChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, GENESIS_HASH)


def _stored_checkpoints() -> list[Checkpoint]:
    return [
        Checkpoint(seq, digest)
        for seq, digest in AuditCheckpoint.objects.values_list("seq", "hash")
    ]


def verify(
    *,
    up_to_seq: int | None = None,
    chunk_size: int = 5000,
    checkpoints: Iterable[Checkpoint] = (),
    stored_checkpoints: bool = True,
) -> VerifyResult:
    """Re-verify the chain from the first event up to the head read when verification starts.

    Detects edited fields, forged hashes, deleted or reordered events (gapless sequence and
    prev_hash links), and a head that does not match the last event (events cut off at the
    end). Events appended while it runs are outside the head it started from and not read.

    Every checkpoint (the stored ones unless ``stored_checkpoints=False``, plus
    ``checkpoints``, e.g. lines kept outside the database) must match the hash of the event at
    its sequence number: a chain rewritten consistently after a checkpoint is reported broken
    at the checkpoint's sequence number. Checkpoints are read before the head, so a
    checkpoint can never legitimately lie beyond it.
    """
    marks = list(checkpoints)
    if stored_checkpoints:
        marks += _stored_checkpoints()
    head = _read_head()
    head_seq, head_hash = head
    if up_to_seq is not None:
        head_seq = min(head_seq, up_to_seq)
    by_seq: dict[int, list[Checkpoint]] = {}
    for mark in marks:
        by_seq.setdefault(mark.seq, []).append(mark)
    checked = sum(len(v) for seq, v in by_seq.items() if seq <= head_seq)
    if any(mark.hash != GENESIS_HASH for mark in by_seq.get(0, ())):
        return _broken(
            0,
            head,
            0,
            "checkpoint at seq 0 is not the genesis hash",
            "checkpoint_mismatch",
            checked,
        )
    expected_seq = 1
    prev = GENESIS_HASH
    rows = (
        AuditEvent.objects.filter(seq__lte=head_seq)
        .order_by("seq")
        .values_list(*FIELDS, "hash")
        .iterator(chunk_size=chunk_size)
    )
    count = 0
    for row in rows:
        values = dict(zip(FIELDS, row[:-1], strict=True))
        stored_hash = row[-1]
        seq = values["seq"]
        if seq != expected_seq:
            return _broken(
                count,
                head,
                expected_seq,
                f"event {expected_seq} is missing",
                "missing_event",
                checked,
            )
        if values["prev_hash"] != prev:
            return _broken(
                count, head, seq, "previous-hash link does not match", "link_mismatch", checked
            )
        if compute_hash(values) != stored_hash:
            return _broken(
                count,
                head,
                seq,
                "hash does not match the event's content",
                "hash_mismatch",
                checked,
            )
        for mark in by_seq.get(seq, ()):
            if mark.hash != stored_hash:
                where = (
                    "a checkpoint kept outside the database"
                    if mark.external
                    else ("a stored checkpoint")
                )
                return _broken(
                    count, head, seq, f"hash differs from {where}", "checkpoint_mismatch", checked
                )
        prev = stored_hash
        expected_seq += 1
        count += 1
    if count != head_seq:
        return _broken(
            count,
            head,
            expected_seq,
            f"head is at seq {head_seq} but events stop",
            "head_behind",
            checked,
        )
    if up_to_seq is None and prev != head_hash:
        return _broken(
            count,
            head,
            head_seq,
            "head hash does not match the last event",
            "head_hash_mismatch",
            checked,
        )
    if up_to_seq is None:
        beyond = sorted(seq for seq in by_seq if seq > head_seq)
        if beyond:
            return _broken(
                count,
                head,
                head_seq + 1,
                f"a checkpoint is at seq {beyond[0]} but the chain stops at seq {head_seq}",
                "checkpoint_beyond_head",
                checked,
            )
    return VerifyResult(True, count, head_seq, prev, checkpoint_count=checked)


def _broken(count, head, seq, reason, reason_code="", checkpoint_count=0) -> VerifyResult:
    return VerifyResult(
        False,
        count,
        head[0],
        head[1],
        broken_seq=seq,
        reason=reason,
        reason_code=reason_code,
        checkpoint_count=checkpoint_count,
    )
