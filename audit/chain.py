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

from audit.models import (
    GENESIS_HASH,
    AuditCheckpoint,
    AuditEvent,
    AuditVerification,
    ChainHead,
)
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
    checkpoint_count: int = 0  # checkpoints (stored and external lines) compared
    anchor_count: int = 0  # signed anchors compared
    record_count: int = 0  # stored verification records compared

    def line(self) -> str:
        if self.ok:
            return f"OK {self.count} events, head {self.head_hash}"
        return f"BROKEN at seq {self.broken_seq}: {self.reason}"


# What a known (seq, hash) of the chain comes from, how verification names it, and the reason
# codes when the chain disagrees with it or stops before it.
# In order of precedence when several lie beyond the head (the most trustworthy first).
KINDS = {
    "anchor": (
        "the signed anchor {label}",
        "anchor",
        "the signed anchor {label} is at seq {seq}",
    ),
    "external": (
        "a checkpoint kept outside the database",
        "checkpoint",
        "a checkpoint is at seq {seq}",
    ),
    "stored": ("a stored checkpoint", "checkpoint", "a checkpoint is at seq {seq}"),
    "record": (
        "a stored verification record",
        "record",
        "a stored verification covered seq {seq}",
    ),
}


@dataclass(frozen=True)
class Checkpoint:
    """A head (seq, hash) known from earlier: a stored checkpoint, a line kept outside the
    database, a signed anchor (audit/anchors.py) or a stored verification record."""

    seq: int
    hash: str
    external: bool = False
    kind: str = ""
    label: str = ""

    def __post_init__(self):
        if not self.kind:
            object.__setattr__(self, "kind", "external" if self.external else "stored")

    @property
    def description(self) -> str:
        return KINDS[self.kind][0].format(label=self.label)

    @property
    def reason_prefix(self) -> str:
        return KINDS[self.kind][1]

    @property
    def beyond(self) -> str:
        return KINDS[self.kind][2].format(label=self.label, seq=self.seq)


def _read_head() -> tuple[int, str]:
    return ChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, GENESIS_HASH)


def _stored_checkpoints() -> list[Checkpoint]:
    return [
        Checkpoint(seq, digest)
        for seq, digest in AuditCheckpoint.objects.values_list("seq", "hash")
    ]


def _stored_records() -> list[Checkpoint]:
    """The heads that earlier successful verifications covered: the chain cannot legitimately
    be shorter than one of them, nor differ at its sequence number."""
    return [
        Checkpoint(seq, digest, kind="record")
        for seq, digest in AuditVerification.objects.filter(ok=True)
        .values_list("head_seq", "head_hash")
        .distinct()
    ]


class _Broken(Exception):
    def __init__(self, seq, reason, code):
        super().__init__(reason)
        self.seq, self.reason, self.code = seq, reason, code


def verify(
    *,
    up_to_seq: int | None = None,
    chunk_size: int = 20000,
    checkpoints: Iterable[Checkpoint] = (),
    stored_checkpoints: bool = True,
    stored_records: bool = True,
    anchors=None,
    engine: str = "auto",
) -> VerifyResult:
    """Re-verify the chain from the first event up to the head read when verification starts.

    Detects edited fields, forged hashes, deleted or reordered events (gapless sequence and
    prev_hash links), and a head that does not match the last event (events cut off at the
    end). Events appended while it runs are outside the head it started from and not read.

    Every known head must match the hash of the event at its sequence number, and none may lie
    beyond the head: the stored checkpoints (unless ``stored_checkpoints=False``), the stored
    successful verifications (unless ``stored_records=False``), ``checkpoints`` (lines kept
    outside the database) and the signed anchors of ``anchors`` (an ``audit.anchors.AnchorScan``;
    by default those of ``RELAIS_AUDIT_ANCHOR_DIR``). An anchor whose signature does not check
    makes the result broken. So a wiped chain, one cut after the last anchor, or one rewritten
    consistently with its checkpoints is reported broken, never ``OK 0 events``. They are all
    read before the head, so none can legitimately lie beyond it.

    ``engine``: how rows are read and hashed (both hash in Python, never in SQL): ``text``
    (PostgreSQL: columns read as text through a server-side cursor inside a transaction,
    canonical text built by one format string; the default there) or ``orm`` (typed values
    through the ORM, ``compute_hash``: the reference implementation, the default on SQLite).
    """
    from audit import anchors as anchor_module

    if anchors is None:
        anchors = anchor_module.scan_configured() or anchor_module.AnchorScan()
    marks = list(checkpoints)
    if stored_checkpoints:
        marks += _stored_checkpoints()
    if stored_records:
        marks += _stored_records()
    marks += anchors.checkpoints()
    head = _read_head()
    head_seq, head_hash = head
    if up_to_seq is not None:
        head_seq = min(head_seq, up_to_seq)
    by_seq: dict[int, list[Checkpoint]] = {}
    for mark in marks:
        by_seq.setdefault(mark.seq, []).append(mark)
    covered = [m for m in marks if m.seq <= head_seq]
    counts = {
        "checkpoint_count": sum(m.kind in ("stored", "external") for m in covered),
        "anchor_count": sum(m.kind == "anchor" for m in covered),
        "record_count": sum(m.kind == "record" for m in covered),
    }
    count = 0
    try:
        if anchors.invalid:
            name, why = anchors.invalid[0]
            raise _Broken(0, f"anchor {name} cannot be trusted ({why})", "anchor_invalid")
        for mark in by_seq.get(0, ()):
            if mark.hash != GENESIS_HASH:
                raise _Broken(
                    0,
                    f"hash differs from {mark.description}",
                    f"{mark.reason_prefix}_mismatch",
                )
        if engine == "auto":
            engine = "text" if connection.vendor == "postgresql" else "orm"
        walk = _walk_text if engine == "text" else _walk_orm
        count, prev = walk(head_seq, by_seq, chunk_size)
        if count != head_seq:
            raise _Broken(count + 1, f"head is at seq {head_seq} but events stop", "head_behind")
        if up_to_seq is None and prev != head_hash:
            raise _Broken(head_seq, "head hash does not match the last event", "head_hash_mismatch")
        if up_to_seq is None:
            beyond = [m for m in marks if m.seq > head_seq]
            if beyond:
                mark = min(beyond, key=lambda m: (list(KINDS).index(m.kind), -m.seq))
                raise _Broken(
                    head_seq + 1,
                    f"{mark.beyond} but the chain stops at seq {head_seq}",
                    f"{mark.reason_prefix}_beyond_head",
                )
    except _Broken as broken:
        return VerifyResult(
            False,
            count,
            head[0],
            head[1],
            broken_seq=broken.seq,
            reason=broken.reason,
            reason_code=broken.code,
            **counts,
        )
    return VerifyResult(True, count, head_seq, prev, **counts)


def _check_marks(seq: int, digest: str, marks) -> None:
    for mark in marks:
        if mark.hash != digest:
            raise _Broken(
                seq, f"hash differs from {mark.description}", f"{mark.reason_prefix}_mismatch"
            )


def _walk_orm(head_seq: int, by_seq, chunk_size: int) -> tuple[int, str]:
    """The reference path: typed values through the ORM, ``compute_hash``."""
    rows = (
        AuditEvent.objects.filter(seq__lte=head_seq)
        .order_by("seq")
        .values_list(*FIELDS, "hash")
        .iterator(chunk_size=chunk_size)
    )
    expected_seq, prev, count = 1, GENESIS_HASH, 0
    for row in rows:
        values = dict(zip(FIELDS, row[:-1], strict=True))
        stored_hash = row[-1]
        seq = values["seq"]
        if seq != expected_seq:
            raise _Broken(expected_seq, f"event {expected_seq} is missing", "missing_event")
        if values["prev_hash"] != prev:
            raise _Broken(seq, "previous-hash link does not match", "link_mismatch")
        if compute_hash(values) != stored_hash:
            raise _Broken(seq, "hash does not match the event's content", "hash_mismatch")
        if seq in by_seq:
            _check_marks(seq, stored_hash, by_seq[seq])
        prev = stored_hash
        expected_seq += 1
        count += 1
    return count, prev


# The canonical text with every value already a string (the text path).
TEMPLATE = "\n".join([FORMAT] + [f"{LINE_NAMES.get(name, name)}=%s" for name in FIELDS])
TEXT_SQL = (
    "SELECT seq, occurred_at, actor_id, actor_username, role, action, object_type, object_id, "
    "reference, transition, from_state, to_state, code, request_id, client_ip, prev_hash, hash "
    "FROM audit_auditevent WHERE seq >= %s AND seq <= %s ORDER BY seq"
)


def pg_time(value: str) -> str:
    """PostgreSQL's text form of a timestamptz in UTC ("2026-01-02 03:04:05.12+00", trailing
    zeros of the fraction dropped) as the canonical form ("2026-01-02T03:04:05.120000Z")."""
    if len(value) < 22 or value[-3:] != "+00" or value[10] != " " or value[4] != "-":
        raise ValueError(f"unexpected timestamp text {value!r} (session time zone not UTC?)")
    fraction = value[20:-3]
    return f"{value[:10]}T{value[11:19]}.{fraction:0<6}Z"


def text_rows(first: int, last: int, chunk_size: int = 20000):
    """Events ``first``..``last`` as tuples of strings (None for NULL), read by a server-side
    cursor declared inside a transaction (no WITH HOLD: PostgreSQL streams them without
    materialising the result in a temporary file). Must be consumed inside ``atomic()``."""
    from psycopg.types.string import TextLoader

    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor(name=f"relais_audit_{first}_{last}", withhold=False) as cursor:
        for type_name in ("int8", "timestamptz", "inet"):
            cursor.adapters.register_loader(type_name, TextLoader)
        cursor.itersize = chunk_size
        cursor.execute(TEXT_SQL, [first, last])
        yield from cursor


def walk_text_range(first: int, last: int, prev: str, by_seq, chunk_size: int = 20000):
    """Verify events ``first``..``last`` whose first ``prev_hash`` must be ``prev``; returns
    (count, hash of the last event read). Raises _Broken."""
    sha256 = hashlib.sha256
    template = TEMPLATE
    expected = first
    expected_text = str(first)
    count = 0
    marked = {str(seq) for seq in by_seq}
    for row in text_rows(first, last, chunk_size):
        (seq, occurred, actor_id, actor, role, action, otype, oid, ref, transition, from_state,
         to_state, code, request_id, client_ip, prev_hash, digest) = row  # fmt: skip
        if seq != expected_text:
            raise _Broken(expected, f"event {expected} is missing", "missing_event")
        if prev_hash != prev:
            raise _Broken(expected, "previous-hash link does not match", "link_mismatch")
        text = template % (
            seq,
            pg_time(occurred),
            "" if actor_id is None else actor_id,
            actor,
            role,
            action,
            otype,
            "" if oid is None else oid,
            ref,
            transition,
            from_state,
            to_state,
            code,
            request_id,
            "" if client_ip is None else client_ip,
            prev_hash,
        )
        if sha256(text.encode()).hexdigest() != digest:
            raise _Broken(expected, "hash does not match the event's content", "hash_mismatch")
        if seq in marked:
            _check_marks(expected, digest, by_seq[expected])
        prev = digest
        expected += 1
        expected_text = str(expected)
        count += 1
    return count, prev


def _walk_text(head_seq: int, by_seq, chunk_size: int) -> tuple[int, str]:
    if connection.vendor != "postgresql":
        raise ValueError("the text engine reads PostgreSQL")
    with transaction.atomic():
        return walk_text_range(1, head_seq, GENESIS_HASH, by_seq, chunk_size)
