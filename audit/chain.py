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

``verify`` also compares every known head with the events at their sequence numbers: the
signed anchors kept outside the database (audit/anchors.py), checkpoint lines kept outside
(audit/checkpoints.py), stored checkpoints and stored successful verifications; so a chain
rewritten consistently, wiped or cut short is reported broken. Four engines read the chain
(``fast``, ``python``, ``sql``, ``orm``: see ``verify`` and docs/audit.md).
"""

from __future__ import annotations

import hashlib
import operator
from binascii import hexlify
from bisect import bisect_left
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import compress

from django.db import connection, transaction

from audit.models import (
    GENESIS_HASH,
    AuditCheckpoint,
    AuditEvent,
    AuditVerification,
    ChainHead,
)
from audit.timestamps import format_time
from core.prepared import prepared_cursor
from core.transactions import joined

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


def append(fields: dict, *, together: tuple[str, list, str] | None = None) -> AuditEvent:
    """Append one event to the chain and return it (with seq, prev_hash and hash set).

    ``fields`` holds every model field but seq, prev_hash and hash. Must run inside the
    transaction of the change it records, so that both commit or neither does.

    ``together`` (PostgreSQL only): ``(ctes, params, counted)``, data-modifying common table
    expressions (the change the event records) sent in the same statement as the append —
    one round trip — and the name of the one whose rows are counted into
    ``event.together_count``. ``counted`` runs before the append, which happens only when it
    changed exactly one row; otherwise nothing is appended (the event has no id) and the
    caller refuses and rolls back.
    """
    if connection.vendor == "postgresql":
        return _append_postgresql(fields, together)
    if together is not None:
        raise ValueError("append(together=...) is for PostgreSQL only")
    return _append_python(fields)


def _append_postgresql(fields: dict, together=None) -> AuditEvent:
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
    count = None
    # Prepared on the connection: the same few statements run for every event.
    with prepared_cursor() as cursor:
        if together is None:
            cursor.execute(APPEND_SQL, params)
            event_id, seq, digest, prev = cursor.fetchone()
        else:
            ctes, cte_params, counted = together
            # ctes and counted are SQL written by the caller's code, never input; every value
            # is a parameter. The change runs first (``relais_change``, materialised), and the
            # append — which locks the chain head until commit — only after it, and only if
            # exactly one row moved: a function in FROM would run before the target list's
            # subquery, holding the head during the change. The other CTEs (without RETURNING)
            # run at the end of the statement, after the head: their row locks (the stay
            # duration counts) are always taken head first, whatever the transaction did before
            # (taking them before the head would deadlock two transactions that each run two
            # transitions). ``OFFSET 0`` keeps the gate a one-time filter above the function
            # scan; pulled up, it became a join filter applied after the call.
            sql = (
                f"WITH {ctes}, relais_change AS MATERIALIZED "  # noqa: S608
                f"(SELECT (SELECT COUNT(*) FROM {counted}) AS n) "
                "SELECT c.n, a.event_id, a.event_seq, a.event_hash, a.event_prev "
                "FROM relais_change c LEFT JOIN LATERAL (SELECT * FROM relais_audit_append("
                "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) WHERE c.n = 1 OFFSET 0) a "
                "ON true"
            )
            cursor.execute(sql, [*cte_params, *params])
            count, event_id, seq, digest, prev = cursor.fetchone()
    event = AuditEvent(id=event_id, seq=seq, hash=digest, prev_hash=prev, **fields)
    event._state.adding = False
    event._state.db = connection.alias
    event.together_count = count
    return event


def _append_python(fields: dict) -> AuditEvent:
    # In the caller's transaction (the change it records), without a savepoint of its own.
    with joined():
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
    jobs: int = 1,
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

    ``engine``: how rows are read and hashed (``auto``: ``fast`` on PostgreSQL, ``orm``
    elsewhere). ``fast``: PostgreSQL builds each canonical text with its built-in functions,
    Python hashes and compares (anything unusual is read again by ``python``); ``python``: the
    independent path, columns as stored (COPY), canonical text built in Python; ``sql``: all
    in the server; ``orm``: the reference implementation. ``jobs`` > 1 (``fast`` and
    ``python``, outside a transaction, whose rows other connections would not see): that many
    processes verify consecutive ranges, each on its own connection; the links between ranges
    are checked here. Every engine gives the same result.
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
        engine = resolve_engine(engine)
        if engine in RANGE_WALKS:
            count, prev = _walk_ranges(engine, head_seq, by_seq, jobs)
        elif engine == "sql":
            count, prev = _walk_sql(head_seq, by_seq)
        else:
            count, prev = _walk_orm(head_seq, by_seq, chunk_size)
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


ENGINES = ("fast", "python", "sql", "orm")


def resolve_engine(engine: str) -> str:
    """The engine ``auto`` stands for here (``fast`` on PostgreSQL, ``orm`` elsewhere);
    ``copy`` is the python engine's former name."""
    if engine == "auto":
        return "fast" if connection.vendor == "postgresql" else "orm"
    engine = {"copy": "python"}.get(engine, engine)
    if engine not in ENGINES:
        raise ValueError(f"unknown verification engine {engine!r}")
    return engine


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


# The python engine: PostgreSQL sends the columns in COPY's text form (no SQL expression, no
# function: the columns as they are stored); Python builds the canonical text from those bytes
# and hashes it. A block of rows is checked with C-level bulk operations (one split, one format
# and one SHA-256 per row, and list or bytes comparisons per block); a block where anything is
# unusual is read again row by row, which names the first problem.
TEMPLATE = "\n".join([FORMAT] + [f"{LINE_NAMES.get(name, name)}=%s" for name in FIELDS])
TEMPLATE_BYTES = TEMPLATE.encode("ascii")
# The same, taking a row's 17 columns: the stored hash (the last) is formatted as nothing.
_ROW_TEMPLATE = TEMPLATE_BYTES + b"%.0s"
_COLUMNS = len(FIELDS) + 1
COPY_SQL = (
    "COPY (SELECT seq, occurred_at, actor_id, actor_username, role, action, object_type, "
    "object_id, reference, transition, from_state, to_state, code, request_id, client_ip, "
    "prev_hash, hash FROM public.audit_auditevent WHERE seq >= {first} AND seq <= {last} "
    "ORDER BY seq) TO STDOUT (NULL '')"
)
_SHA256 = hashlib.sha256
_DIGEST = operator.methodcaller("digest")
_NOT_27 = (27).__ne__
_LAST_64 = operator.itemgetter(slice(-64, None))
_FIRST_64 = operator.itemgetter(slice(None, 64))
_AFTER_64 = operator.itemgetter(slice(64, None))


def pg_time(value: str) -> str:
    """PostgreSQL's text form of a timestamptz in UTC ("2026-01-02 03:04:05.12+00", trailing
    zeros of the fraction dropped) as the canonical form ("2026-01-02T03:04:05.120000Z")."""
    if len(value) < 22 or value[-3:] != "+00" or value[10] != " " or value[4] != "-":
        raise ValueError(f"unexpected timestamp text {value!r} (session time zone not UTC?)")
    fraction = value[20:-3]
    return f"{value[:10]}T{value[11:19]}.{fraction:0<6}Z"


def _set_text_forms(cursor) -> None:
    """The text forms the readers below expect, whatever the role's defaults; and only
    PostgreSQL's own functions and operators for unqualified names (pg_catalog alone on the
    search path: nothing the database owner planted in another schema is called)."""
    cursor.execute("SET LOCAL TimeZone = 'UTC'")
    cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
    cursor.execute("SET LOCAL search_path = pg_catalog")


COPY_BLOCK_BYTES = 1 << 20


def copy_out_blocks(cursor, statement: str, params=None, block_size: int | None = None):
    """The output of ``statement`` (a ``COPY … TO STDOUT`` in text form) in blocks of complete
    lines, about ``block_size`` bytes each, so that per-block work is not paid per row. Runs
    inside the caller's transaction: COPY streams rows as the server produces them, with no
    cursor and no temporary file."""
    block_size = block_size or COPY_BLOCK_BYTES
    parts, size = [], 0
    append = parts.append
    with cursor.cursor.copy(statement, params) as copy:
        # One message per row: kept as they come (no copy), joined once per block.
        for row in copy:
            append(row)
            size += len(row)
            if size >= block_size:
                yield b"".join(parts)
                parts.clear()
                size = 0
    if parts:
        data = b"".join(parts)
        yield data if data.endswith(b"\n") else data + b"\n"


def copy_blocks(first: int, last: int, block_size: int | None = None):
    """Events ``first``..``last`` as COPY text output, in blocks of complete lines
    (``copy_out_blocks``). Runs inside the caller's ``atomic()``."""
    with connection.cursor() as cursor:
        _set_text_forms(cursor)
        sql = COPY_SQL.format(first=int(first), last=int(last))
        yield from copy_out_blocks(cursor, sql, block_size=block_size)


def _bulk_block(block: bytes, rows: int, first: int, prev: bytes | None):
    """Check ``rows`` events (``first``, ``first`` + 1…) of a COPY block at once: gapless
    numbers, links, every hash. Returns their stored hashes (bytes), or None when anything is
    unusual (the caller then reads the block row by row, which names the problem)."""
    # Any backslash would be an escaped character that no valid value holds (NULL is empty).
    if b"\\" in block:
        return None
    flat = block.replace(b"\n", b"\t").split(b"\t")
    flat.pop()  # after the last row's newline
    if len(flat) != _COLUMNS * rows:
        return None
    # The times, "2026-01-02 03:04:05.123456+00", become "2026-01-02T03:04:05.123456Z" all
    # at once; a time in another form gives a hash that does not match (then row by row).
    stamps = b"\t".join(flat[1::_COLUMNS]).replace(b" ", b"T").replace(b"+00", b"Z").split(b"\t")
    if len(stamps) != rows:
        return None
    # PostgreSQL drops the fraction's trailing zeros (".12", or no fraction at all): pad those.
    for index in compress(range(rows), map(_NOT_27, map(len, stamps))):
        stamp = stamps[index]
        if len(stamp) < 20 or stamp[19:20] not in (b".", b"Z"):
            return None
        stamps[index] = b"%s.%sZ" % (stamp[:19], stamp[20:-1].ljust(6, b"0"))
    flat[1::_COLUMNS] = stamps
    hashes = flat[16::_COLUMNS]
    texts = map(_ROW_TEMPLATE.__mod__, zip(*[iter(flat)] * _COLUMNS, strict=True))
    if hexlify(b"".join(map(_DIGEST, map(_SHA256, texts)))) != b"".join(hashes):
        return None
    links = flat[15::_COLUMNS]
    if (prev is not None and links[0] != prev) or links[1:] != hashes[:-1]:
        return None
    if list(map(int, flat[0::_COLUMNS])) != list(range(first, first + rows)):
        return None
    return hashes


class _RowState:
    """Where a range's walk stands: next expected sequence number, last hash, first link."""

    def __init__(self, first: int, prev: bytes | None):
        self.expected = first
        self.prev = prev
        self.first_prev: bytes | None = None
        self.count = 0


def _exact_block(block: bytes, state: _RowState, by_seq) -> None:
    """Row by row, in order: the first problem of the block raises _Broken with its reason."""
    sha256 = hashlib.sha256
    template = TEMPLATE_BYTES
    for line in block.split(b"\n")[:-1]:
        expected = state.expected
        if b"\\" in line:
            raise _Broken(
                int(line.split(b"\t", 1)[0] or 0),
                "an event holds a character the canonical format forbids",
                "hash_mismatch",
            )
        fields = line.split(b"\t")
        if len(fields) != _COLUMNS:
            raise _Broken(expected, "unreadable event row", "hash_mismatch")
        if fields[0] != str(expected).encode():
            raise _Broken(expected, f"event {expected} is missing", "missing_event")
        if state.prev is None:
            state.prev = fields[15]
        if state.first_prev is None:
            state.first_prev = fields[15]
        if fields[15] != state.prev:
            raise _Broken(expected, "previous-hash link does not match", "link_mismatch")
        stamp = fields[1]
        try:
            fields[1] = pg_time(stamp.decode()).encode()
        except ValueError as exc:
            raise _Broken(expected, f"unexpected time text {stamp!r}", "hash_mismatch") from exc
        digest = fields.pop()
        if sha256(template % tuple(fields)).hexdigest().encode() != digest:
            raise _Broken(expected, "hash does not match the event's content", "hash_mismatch")
        if expected in by_seq:
            _check_marks(expected, digest.decode(), by_seq[expected])
        state.prev = digest
        state.expected += 1
        state.count += 1


def _check_marks_in(hash_at, first: int, rows: int, marked: list[int], by_seq) -> None:
    """The known heads among sequence numbers ``first`` … ``first + rows - 1``; ``hash_at(i)``
    is the stored hash (bytes) of the i-th of them, read only for those."""
    start = bisect_left(marked, first)
    end = bisect_left(marked, first + rows)
    for seq in marked[start:end]:
        _check_marks(seq, hash_at(seq - first).decode(), by_seq[seq])


def walk_python_range(first: int, last: int, prev: str | None, by_seq):
    """Verify events ``first``..``last`` whose first ``prev_hash`` must be ``prev`` (None:
    whatever it is; the caller checks it). Returns (count, hash of the last event, prev_hash of
    the first event). Raises _Broken. Runs inside ``_reading()`` (its settings are local)."""
    state = _RowState(first, None if prev is None else prev.encode())
    marked = sorted(seq for seq in by_seq if first <= seq <= last)
    for block in copy_blocks(first, last):
        rows = block.count(b"\n")
        hashes = _bulk_block(block, rows, state.expected, state.prev)
        if hashes is None:
            _exact_block(block, state, by_seq)
            continue
        _check_marks_in(hashes.__getitem__, state.expected, rows, marked, by_seq)
        if state.first_prev is None:
            state.first_prev = _first_link(block)
        state.prev = hashes[-1]
        state.expected += rows
        state.count += rows
    return _range_result(state)


def _first_link(block: bytes) -> bytes:
    """The prev_hash of a COPY block's first row (its 16th column)."""
    return block[: block.find(b"\n")].split(b"\t")[15]


def _range_result(state: _RowState):
    last_hash = None if state.prev is None or not state.count else state.prev.decode()
    first_prev = None if state.first_prev is None else state.first_prev.decode()
    return state.count, last_hash, first_prev


# The fast engine: PostgreSQL builds each canonical text (its own built-in functions only:
# pg_catalog alone on the search path) and sends them a few thousand events per row of a
# binary COPY, with their stored hashes; Python hashes every text and compares. It trusts the
# server's functions to build the text from the stored fields (a superuser could replace
# them): the python engine does not, and both must agree (tests/audit/test_verify_engines.py).
FAST_CHUNK = 4000
_SEPARATOR = b"\x1e"  # between two texts; held by no valid value
FAST_TEXT = (
    "format(E'"
    + TEMPLATE.replace("\n", "\\n")
    + "', e.seq, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "e.actor_id, e.actor_username, e.role, e.action, e.object_type, e.object_id, e.reference, "
    "e.transition, e.from_state, e.to_state, e.code, e.request_id, e.client_ip, e.prev_hash)"
)
# One row per chunk: the chunk's events, each as its stored hash then its canonical text,
# joined by the separator in the order of an ordered subquery (no sort inside the aggregate:
# should the order ever differ, the links would not match and the chunk would be read again by
# the python engine, never accepted).
FAST_COPY_SQL = (
    "COPY (SELECT c.texts FROM generate_series({first}, {last}, {chunk}) AS g(start) "  # noqa: S608 — constant; numbers formatted as int
    f"CROSS JOIN LATERAL (SELECT string_agg(e.hash || {FAST_TEXT}, E'\\x1e') AS texts "
    "FROM (SELECT * FROM public.audit_auditevent e WHERE e.seq >= g.start "
    "AND e.seq <= least(g.start + {chunk} - 1, {last}) ORDER BY e.seq) e) c ORDER BY g.start"
    ") TO STDOUT (FORMAT binary)"
)
_BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _binary_tuples(copy):
    """The rows of a binary COPY (tuples of bytes or None), parsed as the messages come."""
    buffer = bytearray()
    header = True
    for message in copy:
        buffer += message
        offset = 0
        if header:
            if len(buffer) < 19:
                continue
            if buffer[:11] != _BINARY_SIGNATURE:
                raise ValueError("unexpected COPY header")
            offset = 19 + int.from_bytes(buffer[15:19], "big")
            header = False
        while len(buffer) - offset >= 2:
            fields = int.from_bytes(buffer[offset : offset + 2], "big", signed=True)
            if fields == -1:
                offset += 2
                break
            values, position = [], offset + 2
            for _ in range(fields):
                if len(buffer) - position < 4:
                    break
                size = int.from_bytes(buffer[position : position + 4], "big", signed=True)
                position += 4
                if size < 0:
                    values.append(None)
                    continue
                if len(buffer) - position < size:
                    break
                values.append(bytes(buffer[position : position + size]))
                position += size
            if len(values) < fields:
                break  # the rest of this row comes with the next message
            offset = position
            yield tuple(values)
        del buffer[:offset]


def walk_fast_range(first: int, last: int, prev: str | None, by_seq):
    """As ``walk_python_range``, on texts the server builds. From the first chunk where
    anything is unusual, the rest of the range is read again by ``walk_python_range``, which
    names the problem (or finds none: the independent path has the last word)."""
    state = _RowState(first, None if prev is None else prev.encode())
    marked = sorted(seq for seq in by_seq if first <= seq <= last)
    chunk = FAST_CHUNK
    sql = FAST_COPY_SQL.format(first=int(first), last=int(last), chunk=chunk)
    unusual = False
    with connection.cursor() as cursor:
        _set_text_forms(cursor)
        with cursor.cursor.copy(sql) as copy:
            for (texts,) in _binary_tuples(copy):
                if unusual:
                    continue  # read to the end: the transaction stays usable
                rows = min(chunk, last - state.expected + 1)
                parts = texts.split(_SEPARATOR) if texts else ()
                if len(parts) != rows:
                    unusual = True
                    continue
                hashes = b"".join(map(_FIRST_64, parts))
                parts = list(map(_AFTER_64, parts))
                links = b"".join(map(_LAST_64, parts))
                if (
                    hexlify(b"".join(map(_DIGEST, map(_SHA256, parts)))) != hashes
                    or (state.prev is not None and links[:64] != state.prev)
                    or links[64:] != hashes[:-64]
                ):
                    unusual = True
                    continue
                _check_marks_in(
                    lambda i, hashes=hashes: hashes[64 * i : 64 * i + 64],
                    state.expected,
                    rows,
                    marked,
                    by_seq,
                )
                if state.first_prev is None:
                    state.first_prev = links[:64]
                state.prev = hashes[-64:]
                state.expected += rows
                state.count += rows
    if unusual:
        rest = walk_python_range(
            state.expected,
            last,
            None if state.prev is None else state.prev.decode(),
            by_seq,
        )
        count, last_hash, first_prev = rest
        if state.first_prev is None and first_prev is not None:
            state.first_prev = first_prev.encode()
        state.count += count
        if count:
            state.prev = last_hash.encode()
    return _range_result(state)


RANGE_WALKS = {"python": walk_python_range, "fast": walk_fast_range}


@contextmanager
def _reading():
    """One transaction (or savepoint) for a walk, rolled back at the end: it wrote nothing, and
    its ``SET LOCAL`` settings (search path, time zone) must not outlive it."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _walk_ranges(engine: str, head_seq: int, by_seq, jobs: int) -> tuple[int, str]:
    """The fast or python engine over the whole chain: in ``jobs`` processes when asked and
    outside a transaction (whose rows other connections would not see), else here."""
    if connection.vendor != "postgresql":
        raise ValueError(f"the {engine} engine reads PostgreSQL")
    if jobs > 1 and not connection.in_atomic_block:
        return _walk_parallel(engine, head_seq, by_seq, jobs)
    if head_seq == 0:
        return 0, GENESIS_HASH
    with _reading():
        count, last_hash, _first_prev = RANGE_WALKS[engine](1, head_seq, GENESIS_HASH, by_seq)
    return count, last_hash or GENESIS_HASH


def _range_worker(engine: str, first: int, last: int, by_seq):
    """In a child process: its own connection, one range. Plain tuples cross the boundary:
    the stored link of the range's first event (None if missing: the parent checks it against
    the previous range), then the outcome."""
    from django.db import connections

    try:
        with _reading():
            first_prev = (
                AuditEvent.objects.filter(seq=first).values_list("prev_hash", flat=True).first()
            )
            try:
                count, last_hash, _first_prev = RANGE_WALKS[engine](first, last, None, by_seq)
            except _Broken as broken:
                return (first_prev, "broken", broken.seq, broken.reason, broken.code)
        return (first_prev, "ok", count, last_hash)
    finally:
        connections.close_all()


def _walk_parallel(engine: str, head_seq: int, by_seq, jobs: int):
    """``jobs`` processes each verify a consecutive range from the stored hash at its start;
    here, each range's first link must be the previous range's last hash (the first range's:
    the genesis hash), and the first problem in chain order wins."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from django.db import connections

    if head_seq == 0:
        return 0, GENESIS_HASH
    size = -(-head_seq // jobs)
    ranges = [(a, min(a + size - 1, head_seq)) for a in range(1, head_seq + 1, size)]
    connections.close_all()  # children must not share the parent's connection
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(len(ranges), mp_context=context) as pool:
        futures = [pool.submit(_range_worker, engine, a, b, by_seq) for a, b in ranges]
        results = [future.result() for future in futures]
    count, prev = 0, GENESIS_HASH
    for index, ((first, last), result) in enumerate(zip(ranges, results, strict=True)):
        first_prev, status, *rest = result
        # In chain order: the link into the range comes before anything inside it.
        if first_prev is not None and first_prev != prev:
            raise _Broken(first, "previous-hash link does not match", "link_mismatch")
        if status == "broken":
            raise _Broken(*rest)
        range_count, last_hash = rest
        count += range_count
        prev = last_hash if range_count else prev
        if range_count < last - first + 1:
            if any(later[1] == "broken" or later[2] for later in results[index + 1 :]):
                missing = first + range_count
                raise _Broken(missing, f"event {missing} is missing", "missing_event")
            break  # events stop here: the caller reports the head ahead of them
    return count, prev


# The sql engine: PostgreSQL recomputes every hash with its built-in functions (schema-
# qualified, so nothing planted in another schema is called) and compares links and sequence
# numbers with window functions; Python only reads the first problem. Fast, but it trusts the
# server's pg_catalog, which a superuser could replace: the python engine does not. The address
# is written as its output function writes it (``abbrev``, the netmask shown unless /32 or
# /128), as COPY sends it to the other engines: a netmask added to a stored address is a change.
SQL_TEXT = r"""pg_catalog.concat_ws(E'\n', 'relais-audit-v1',
    'seq=' || e.seq,
    'occurred_at=' || pg_catalog.to_char(e.occurred_at AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'actor_id=' || coalesce(e.actor_id::text, ''),
    'actor=' || e.actor_username, 'role=' || e.role, 'action=' || e.action,
    'object_type=' || e.object_type,
    'object_id=' || coalesce(e.object_id::text, ''),
    'reference=' || e.reference, 'transition=' || e.transition,
    'from_state=' || e.from_state, 'to_state=' || e.to_state, 'code=' || e.code,
    'request_id=' || e.request_id,
    'client_ip=' || coalesce(pg_catalog.abbrev(e.client_ip), ''),
    'prev_hash=' || e.prev_hash)"""
SQL_FIRST_PROBLEM = f"""
SELECT seq, expected, prev_hash IS DISTINCT FROM coalesce(before, %(genesis)s),
       computed <> hash
FROM (
    SELECT e.seq, e.hash, e.prev_hash,
        %(first)s - 1 + pg_catalog.row_number() OVER (ORDER BY e.seq) AS expected,
        pg_catalog.lag(e.hash) OVER (ORDER BY e.seq) AS before,
        pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to({SQL_TEXT}, 'UTF8')), 'hex')
            AS computed
    FROM public.audit_auditevent e WHERE e.seq BETWEEN %(first)s AND %(last)s
) checked
WHERE seq <> expected OR prev_hash IS DISTINCT FROM coalesce(before, %(genesis)s)
    OR computed <> hash
ORDER BY seq LIMIT 1
"""  # noqa: S608 — constant text, values are bound parameters


def _walk_sql(head_seq: int, by_seq) -> tuple[int, str]:
    if connection.vendor != "postgresql":
        raise ValueError("the sql engine runs on PostgreSQL")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SQL_FIRST_PROBLEM, {"first": 1, "last": head_seq, "genesis": GENESIS_HASH})
        problem = cursor.fetchone()
        cursor.execute(
            "SELECT pg_catalog.count(*) FROM public.audit_auditevent WHERE seq BETWEEN 1 AND %s",
            [head_seq],
        )
        count = cursor.fetchone()[0]
        marked = sorted(seq for seq in by_seq if 0 < seq <= head_seq)
        cursor.execute(
            "SELECT seq, hash FROM public.audit_auditevent WHERE seq = ANY(%s) ORDER BY seq",
            [marked + [head_seq]],
        )
        hashes = dict(cursor.fetchall())
    limit = problem[0] if problem else None
    if problem and problem[0] != problem[1]:
        limit = problem[1]  # the first missing sequence number
    for seq in marked:
        if limit is not None and seq >= limit:
            break
        if seq in hashes:
            _check_marks(seq, hashes[seq], by_seq[seq])
    if problem:
        seq, expected, link_broken, hash_broken = problem
        if seq != expected:
            raise _Broken(expected, f"event {expected} is missing", "missing_event")
        if link_broken:
            raise _Broken(seq, "previous-hash link does not match", "link_mismatch")
        raise _Broken(seq, "hash does not match the event's content", "hash_mismatch")
    # Events stopping before the head are reported by the caller, whatever the last hash.
    return count, hashes.get(head_seq, GENESIS_HASH)
