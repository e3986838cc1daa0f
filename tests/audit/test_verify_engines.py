"""The three ways ``verify`` reads the chain agree on every kind of value and of damage:
``copy`` (COPY's text form of each column, hashed in Python), ``orm`` (typed values, the
reference) and ``sql`` (hashes recomputed by PostgreSQL's built-in functions)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from audit import chain
from audit.anchors import AnchorScan
from tests.audit import tamper
from tests.audit.test_canonical_format import TRICKY

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TIMES = [
    datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 10, 25, 2, 30, 0, 0, tzinfo=timezone(timedelta(hours=2))),  # no fraction
    datetime(1999, 12, 31, 23, 0, 0, 1, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 1, 1, 0, 0, 0, 120000, tzinfo=UTC),  # trailing zeros dropped by PostgreSQL
]


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


def verify(engine):
    return chain.verify(engine=engine, anchors=AnchorScan())


def test_both_engines_verify_every_kind_of_value(tricky_chain):
    copy, orm, sql = verify("copy"), verify("orm"), verify("sql")
    assert copy.ok and orm.ok and sql.ok, (copy.line(), orm.line(), sql.line())
    assert copy == orm == sql
    assert copy.count == tricky_chain


@pytest.mark.parametrize(
    "damage",
    [
        lambda: tamper.edit(3, code="forged"),
        lambda: tamper.edit(5, client_ip="192.0.2.2"),
        lambda: tamper.forge(4, object_id=6),
        lambda: tamper.swap_contents(2, 3),
        lambda: chain.AuditEvent.objects.filter(seq=7).delete(),
        lambda: chain.AuditEvent.objects.filter(seq__gte=15).delete(),
        lambda: chain.AuditEvent.objects.filter(seq=1).delete(),
        lambda: chain.ChainHead.objects.update(hash="f" * 64),
        lambda: tamper.edit(9, actor_username="x\\y"),
    ],
)
def test_both_engines_report_the_same_damage(tricky_chain, damage):
    tamper.drop_triggers()
    damage()
    copy, orm, sql = verify("copy"), verify("orm"), verify("sql")
    assert not copy.ok

    def outcome(r):  # the reason's wording may be more precise in one engine
        return (r.ok, r.broken_seq, r.reason_code, r.count, r.head_seq, r.head_hash)

    assert outcome(copy) == outcome(orm) == outcome(sql)


def test_pg_time_reads_every_form():
    assert chain.pg_time("2026-01-02 03:04:05+00") == "2026-01-02T03:04:05.000000Z"
    assert chain.pg_time("2026-01-02 03:04:05.12+00") == "2026-01-02T03:04:05.120000Z"
    assert chain.pg_time("2026-01-02 03:04:05.123456+00") == "2026-01-02T03:04:05.123456Z"
    with pytest.raises(ValueError, match="time zone"):
        chain.pg_time("2026-01-02 04:04:05+01")
