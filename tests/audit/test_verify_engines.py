"""The four ways ``verify`` reads the chain agree on every kind of value and of damage:
``fast`` (canonical texts built by PostgreSQL's built-in functions, hashed in Python),
``python`` (COPY's text form of each column, canonical text built and hashed in Python: the
independent path), ``orm`` (typed values, the reference) and ``sql`` (hashes recomputed by
PostgreSQL). Small chunks and blocks, so that every check also runs across their boundaries."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from audit import chain
from audit.anchors import AnchorScan
from tests.audit import tamper
from tests.audit.test_canonical_format import TRICKY
from tests.audit.test_checkpoints import checkpoint

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ENGINES = ("fast", "python", "orm", "sql")
TIMES = [
    datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 10, 25, 2, 30, 0, 0, tzinfo=timezone(timedelta(hours=2))),  # no fraction
    datetime(1999, 12, 31, 23, 0, 0, 1, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 1, 1, 0, 0, 0, 120000, tzinfo=UTC),  # trailing zeros dropped by PostgreSQL
]


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(chain, "FAST_CHUNK", 5)
    monkeypatch.setattr(chain, "COPY_BLOCK_BYTES", 1000)  # about three rows


@pytest.fixture
def tricky_chain(on_postgres):
    base = {
        "actor_id": 12,
        "actor_username": "someone",
        "role": "coordinator",
        "action": "transition",
        "object_type": "support_track",
        "object_id": 5,
        "reference": "VAL-2026-0042",
        "transition": "take",
        "from_state": "open",
        "to_state": "assigned",
        "code": "",
        "request_id": "0123456789abcdef0123456789abcdef",
        "client_ip": "192.0.2.1",
    }
    for when in TIMES:
        for variant in TRICKY:
            chain._append_postgresql(dict(base, occurred_at=when, **variant))
    return len(TIMES) * len(TRICKY)


def verify(engine, anchors=None):
    return chain.verify(engine=engine, anchors=anchors or AnchorScan())


def outcome(result):  # the reason's wording may be more precise in one engine
    return (
        result.ok,
        result.broken_seq,
        result.reason_code,
        result.count,
        result.head_seq,
        result.head_hash,
    )


@pytest.fixture
def spies(monkeypatch):
    """Which slow paths ran: the fast engine's fall-back to the python engine, the python
    engine's row-by-row reading of a block."""
    calls = []
    walk, exact = chain.walk_python_range, chain._exact_block

    def python_walk(*args):
        calls.append("fallback")
        return walk(*args)

    def exact_block(*args):
        calls.append("row_by_row")
        return exact(*args)

    monkeypatch.setattr(chain, "walk_python_range", python_walk)
    monkeypatch.setattr(chain, "RANGE_WALKS", dict(chain.RANGE_WALKS, python=python_walk))
    monkeypatch.setattr(chain, "_exact_block", exact_block)
    return calls


def test_every_engine_verifies_every_kind_of_value(tricky_chain, spies):
    results = {engine: verify(engine) for engine in ENGINES}
    assert all(r.ok for r in results.values()), {e: r.line() for e, r in results.items()}
    assert len({outcome(r) for r in results.values()}) == 1
    assert results["fast"].count == tricky_chain
    # The valid chain went through the fast checks only (no fall-back, no row-by-row reading
    # but the python engine's own run).
    assert spies == ["fallback"]


def test_copy_is_the_python_engines_former_name(tricky_chain):
    assert chain.resolve_engine("copy") == "python"
    assert outcome(verify("copy")) == outcome(verify("python"))


def _sql(statement):
    with connection.cursor() as cursor:
        cursor.execute(statement)


DAMAGE = {
    "edited content": lambda: tamper.edit(3, code="forged"),
    "edited address": lambda: tamper.edit(5, client_ip="192.0.2.2"),
    "address given a netmask": lambda: _sql(
        "UPDATE audit_auditevent SET client_ip = '203.0.113.250/24' WHERE seq = 8"
    ),
    "edited time": lambda: tamper.edit(6, occurred_at=TIMES[0] + timedelta(microseconds=1)),
    "edited hash": lambda: tamper.edit(8, hash="0" * 64),
    "edited hash in capitals": lambda: tamper.edit(8, hash=tamper.event_values(8)["hash"].upper()),
    "edited link": lambda: tamper.edit(9, prev_hash="f" * 64),
    "forged hash": lambda: tamper.forge(4, object_id=6),
    "swapped contents": lambda: tamper.swap_contents(2, 3),
    "deleted middle row": lambda: chain.AuditEvent.objects.filter(seq=7).delete(),
    "deleted chunk boundary": lambda: chain.AuditEvent.objects.filter(seq=10).delete(),
    "deleted tail": lambda: chain.AuditEvent.objects.filter(seq__gte=15).delete(),
    "deleted first": lambda: chain.AuditEvent.objects.filter(seq=1).delete(),
    "head hash": lambda: chain.ChainHead.objects.update(hash="f" * 64),
    "backslash": lambda: tamper.edit(9, actor_username="x\\y"),
    "newline": lambda: tamper.edit(9, actor_username="x\ny"),
    "separator of the fast engine": lambda: tamper.edit(11, actor_username="x\x1ey"),
    "tab": lambda: tamper.edit(12, code="a\tb"),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_every_engine_reports_the_same_damage(tricky_chain, damage, spies):
    tamper.drop_triggers()
    damage()
    results = {engine: verify(engine) for engine in ENGINES}
    assert not results["fast"].ok
    assert len({outcome(r) for r in results.values()}) == 1, {
        e: outcome(r) for e, r in results.items()
    }
    # The fast engine's own checks saw it (then the python engine named it), and the python
    # engine's bulk checks saw it (then the block was read row by row).
    if results["fast"].reason_code not in ("head_behind", "head_hash_mismatch"):
        assert spies[0] == "fallback"
        assert "row_by_row" in spies


def test_every_engine_reports_a_tail_cut_before_the_signed_anchor(tricky_chain):
    from audit import anchors

    checkpoint()  # a signed anchor at the head (then a checkpoint event)
    tamper.drop_triggers()
    # The attacker deletes the last events, the anchored one included, and moves the head back.
    chain.AuditEvent.objects.filter(seq__gt=tricky_chain - 3).delete()
    last = chain.AuditEvent.objects.order_by("-seq").first()
    chain.ChainHead.objects.update(seq=last.seq, hash=last.hash)
    scan = anchors.scan_configured()
    results = {engine: verify(engine, scan) for engine in ENGINES}
    assert {r.reason_code for r in results.values()} == {"anchor_beyond_head"}
    assert len({outcome(r) for r in results.values()}) == 1


def test_pg_time_reads_every_form():
    assert chain.pg_time("2026-01-02 03:04:05+00") == "2026-01-02T03:04:05.000000Z"
    assert chain.pg_time("2026-01-02 03:04:05.12+00") == "2026-01-02T03:04:05.120000Z"
    assert chain.pg_time("2026-01-02 03:04:05.123456+00") == "2026-01-02T03:04:05.123456Z"
    with pytest.raises(ValueError, match="time zone"):
        chain.pg_time("2026-01-02 04:04:05+01")


def test_the_python_engine_has_the_last_word(tricky_chain, spies, monkeypatch):
    """Should the server build texts that differ from the stored fields (here: a text with one
    field wrong, as a replaced built-in function could), the fast checks fail and the python
    engine, which trusts no SQL function, decides: the chain is intact."""
    monkeypatch.setattr(
        chain,
        "FAST_COPY_SQL",
        chain.FAST_COPY_SQL.replace("e.code, e.request_id", "'x', e.request_id"),
    )
    result = verify("fast")
    assert result.ok and result.count == tricky_chain
    assert spies[0] == "fallback"
