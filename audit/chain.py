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
rewritten consistently, wiped or cut short is reported broken. Three engines read the chain
(``copy``, ``sql``, ``orm``: see ``verify`` and docs/audit.md).
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
    with connection.cursor() as cursor:
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

    ``engine``: how rows are read and hashed (both hash in Python, never in SQL): ``copy``
    (PostgreSQL: the columns streamed by ``COPY (SELECT …) TO STDOUT`` inside a transaction, the
    canonical text built from their bytes by one format operation; the default there) or
    ``orm`` (typed values through the ORM and ``compute_hash``: the reference implementation,
    the default on SQLite). ``jobs`` > 1 (copy engine, outside a transaction): that many
    processes verify consecutive ranges, each on its own connection; the links between ranges
    are checked here.
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
            engine = "copy" if connection.vendor == "postgresql" else "orm"
        if engine not in ("copy", "orm", "sql"):
            raise ValueError(f"unknown verification engine {engine!r}")
        if engine == "copy" and jobs > 1 and not connection.in_atomic_block:
            count, prev = _walk_copy_parallel(head_seq, by_seq, chunk_size, jobs)
        else:
            walk = {"copy": _walk_copy, "orm": _walk_orm, "sql": _walk_sql}[engine]
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


# The copy engine: PostgreSQL sends the columns in COPY's text form; Python builds the
# canonical text from those bytes and hashes it. No SQL function takes part.
TEMPLATE = "\n".join([FORMAT] + [f"{LINE_NAMES.get(name, name)}=%s" for name in FIELDS])
TEMPLATE_BYTES = TEMPLATE.encode("ascii")
COPY_SQL = (
    "COPY (SELECT seq, occurred_at, actor_id, actor_username, role, action, object_type, "
    "object_id, reference, transition, from_state, to_state, code, request_id, client_ip, "
    "prev_hash, hash FROM audit_auditevent WHERE seq >= {first} AND seq <= {last} "
    "ORDER BY seq) TO STDOUT"
)


def pg_time(value: str) -> str:
    """PostgreSQL's text form of a timestamptz in UTC ("2026-01-02 03:04:05.12+00", trailing
    zeros of the fraction dropped) as the canonical form ("2026-01-02T03:04:05.120000Z")."""
    if len(value) < 22 or value[-3:] != "+00" or value[10] != " " or value[4] != "-":
        raise ValueError(f"unexpected timestamp text {value!r} (session time zone not UTC?)")
    fraction = value[20:-3]
    return f"{value[:10]}T{value[11:19]}.{fraction:0<6}Z"


def copy_blocks(first: int, last: int, block_size: int = 1 << 20):
    """Events ``first``..``last`` as COPY text output, in blocks of complete lines (about
    ``block_size`` bytes each, so that per-block work is not paid per row). Runs inside the
    caller's ``atomic()``: COPY streams rows as the server produces them, with no cursor and
    no temporary file."""
    with connection.cursor() as cursor:
        # The text forms the parser below expects, whatever the role's defaults.
        cursor.execute("SET LOCAL TimeZone = 'UTC'")
        cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
        parts, size = [], 0
        with cursor.cursor.copy(COPY_SQL.format(first=int(first), last=int(last))) as copy:
            for block in copy:
                parts.append(bytes(block))
                size += len(block)
                if size >= block_size:
                    data = b"".join(parts)
                    cut = data.rfind(b"\n") + 1
                    parts, size = [data[cut:]], len(data) - cut
                    if cut:
                        yield data[:cut]
        data = b"".join(parts)
        if data:
            yield data if data.endswith(b"\n") else data + b"\n"


def walk_copy_range(first: int, last: int, prev: str | None, by_seq):
    """Verify events ``first``..``last`` whose first ``prev_hash`` must be ``prev`` (None:
    whatever it is; the caller checks it). Returns (count, hash of the last event, prev_hash of
    the first event). Raises _Broken. Must run inside ``atomic()``."""
    sha256 = hashlib.sha256
    template = TEMPLATE_BYTES
    expected = first
    expected_bytes = str(first).encode()
    prev_bytes = None if prev is None else prev.encode()
    first_prev = None
    count = 0
    marked = {str(seq).encode() for seq in by_seq}
    for block in copy_blocks(first, last):
        # NULL is \N; every other backslash would be an escaped character that no valid
        # value holds (codes, references, usernames, hex, addresses): refuse, never guess.
        block = block.replace(b"\\N", b"")
        if b"\\" in block:
            line = next(line for line in block.split(b"\n") if b"\\" in line)
            raise _Broken(
                int(line.split(b"\t", 1)[0] or 0),
                "an event holds a character the canonical format forbids",
                "hash_mismatch",
            )
        # The time "2026-01-02 03:04:05.12+00" becomes "2026-01-02T03:04:05.120000Z". When the
        # block holds exactly one space and one "+00<tab>" per line, they are the times' (no
        # other value may hold a space), so they are rewritten for the whole block at once.
        lines = block.count(b"\n")
        fast = block.count(b" ") == lines and block.count(b"+00\t") == lines
        if fast:
            block = block.replace(b" ", b"T").replace(b"+00\t", b"Z\t")
        for line in block.split(b"\n")[:-1]:
            fields = line.split(b"\t")
            if len(fields) != 17:
                raise _Broken(expected, "unreadable event row", "hash_mismatch")
            if fields[0] != expected_bytes:
                raise _Broken(expected, f"event {expected} is missing", "missing_event")
            if prev_bytes is None:
                prev_bytes = first_prev = fields[15]
            elif first_prev is None:
                first_prev = fields[15]
            if fields[15] != prev_bytes:
                raise _Broken(expected, "previous-hash link does not match", "link_mismatch")
            stamp = fields[1]
            if not fast:
                if len(stamp) < 22 or stamp[-3:] != b"+00" or stamp[10:11] != b" ":
                    raise _Broken(expected, f"unexpected time text {stamp!r}", "hash_mismatch")
                fields[1] = b"%sT%s.%sZ" % (stamp[:10], stamp[11:19], stamp[20:-3].ljust(6, b"0"))
            elif len(stamp) != 27:  # PostgreSQL drops the fraction's trailing zeros
                fields[1] = b"%s.%sZ" % (stamp[:19], stamp[20:-1].ljust(6, b"0"))
            digest = fields.pop()
            if sha256(template % tuple(fields)).hexdigest().encode() != digest:
                raise _Broken(expected, "hash does not match the event's content", "hash_mismatch")
            if fields[0] in marked:
                _check_marks(expected, digest.decode(), by_seq[expected])
            prev_bytes = digest
            expected += 1
            expected_bytes = str(expected).encode()
            count += 1
    last_hash = None if prev_bytes is None else prev_bytes.decode()
    return count, last_hash, None if first_prev is None else first_prev.decode()


def _walk_copy(head_seq: int, by_seq, chunk_size: int) -> tuple[int, str]:
    if connection.vendor != "postgresql":
        raise ValueError("the copy engine reads PostgreSQL")
    with transaction.atomic():
        count, last_hash, _first_prev = walk_copy_range(1, head_seq, GENESIS_HASH, by_seq)
    return count, last_hash or GENESIS_HASH


def _range_worker(first: int, last: int, by_seq):
    """In a child process: its own connection, one range. Plain tuples cross the boundary."""
    from django.db import connections

    try:
        with transaction.atomic():
            count, last_hash, first_prev = walk_copy_range(first, last, None, by_seq)
        return ("ok", first_prev, count, last_hash)
    except _Broken as broken:
        return ("broken", broken.seq, broken.reason, broken.code)
    finally:
        connections.close_all()


def _walk_copy_parallel(head_seq: int, by_seq, chunk_size: int, jobs: int):
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
        futures = [pool.submit(_range_worker, a, b, by_seq) for a, b in ranges]
        results = [future.result() for future in futures]
    count, prev = 0, GENESIS_HASH
    for index, ((first, last), result) in enumerate(zip(ranges, results, strict=True)):
        if result[0] == "broken":
            _, seq, reason, code = result
            raise _Broken(seq, reason, code)
        _, first_prev, range_count, last_hash = result
        if range_count and first_prev != prev:
            raise _Broken(first, "previous-hash link does not match", "link_mismatch")
        count += range_count
        prev = last_hash if range_count else prev
        if range_count < last - first + 1:
            if any(later[0] == "broken" or later[2] for later in results[index + 1 :]):
                missing = first + range_count
                raise _Broken(missing, f"event {missing} is missing", "missing_event")
            break  # events stop here: the caller reports the head ahead of them
    return count, prev


# The sql engine: PostgreSQL recomputes every hash with its built-in functions (schema-
# qualified, so nothing planted in another schema is called) and compares links and sequence
# numbers with window functions; Python only reads the first problem. Fast, but it trusts the
# server's pg_catalog, which a superuser could replace: the copy engine does not.
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
    'client_ip=' || coalesce(pg_catalog.host(e.client_ip), ''),
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


def _walk_sql(head_seq: int, by_seq, chunk_size: int) -> tuple[int, str]:
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
    return count, hashes.get(head_seq, GENESIS_HASH) if count == head_seq else _last(count)


def _last(count: int) -> str:
    return (
        AuditEvent.objects.filter(seq=count).values_list("hash", flat=True).first() or GENESIS_HASH
    )
