"""``--jobs N``: N processes each verify a consecutive range of the chain (their own
connection, from the stored hash at the range's start) and the parent checks the links between
ranges. Same result as one job, on a valid chain and on every kind of damage, for both range
engines. The children need committed rows: transactional tests, on PostgreSQL only (on SQLite
the flush after a transactional test would meet the append-only triggers, and verification
runs in one process there)."""

import pytest
from django.conf import settings
from django.db import connection, transaction

from audit import anchors, chain
from audit.models import AuditEvent, ChainHead
from tests.audit import tamper
from tests.audit.test_checkpoints import checkpoint
from tests.audit.test_verify_engines import outcome
from tests.factories import AuditEventFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="parallel ranges read PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

EVENTS = 30


@pytest.fixture
def committed_chain(monkeypatch):
    monkeypatch.setattr(chain, "FAST_CHUNK", 4)
    monkeypatch.setattr(chain, "COPY_BLOCK_BYTES", 1000)
    AuditEventFactory.create_batch(EVENTS)
    return EVENTS


def committed(damage):
    """Damage done and committed by whoever holds the owner's credentials: triggers disabled,
    the change, triggers enabled again."""
    with transaction.atomic():
        tamper.as_owner()
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            damage()
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


def results(engine, scan=None):
    scan = scan or anchors.AnchorScan()
    return {
        jobs: outcome(chain.verify(engine=engine, jobs=jobs, anchors=scan)) for jobs in (1, 2, 3)
    }


@pytest.mark.parametrize("engine", ["fast", "python"])
def test_jobs_give_the_same_result_on_a_valid_chain(committed_chain, engine):
    by_jobs = results(engine)
    assert by_jobs[1][:4] == (True, None, "", committed_chain)
    assert by_jobs[1] == by_jobs[2] == by_jobs[3]
    assert by_jobs[1] == outcome(chain.verify(engine="orm", anchors=anchors.AnchorScan()))


# Two jobs split 30 events into 1–15 and 16–30; three into 1–10, 11–20, 21–30.
DAMAGE = {
    "edited content in the second range": lambda: tamper.edit(20, code="forged"),
    "edited hash at the end of a range": lambda: tamper.edit(15, hash="0" * 64),
    "forged hash at the end of a range": lambda: tamper.forge(10, object_id=99),
    "edited link at the start of a range": lambda: tamper.edit(16, prev_hash="1" * 64),
    "deleted middle row": lambda: AuditEvent.objects.filter(seq=7).delete(),
    "deleted first row of a range": lambda: AuditEvent.objects.filter(seq=16).delete(),
    "deleted last row of a range": lambda: AuditEvent.objects.filter(seq=10).delete(),
    "deleted whole range": lambda: AuditEvent.objects.filter(seq__range=(11, 20)).delete(),
    "two problems, the first wins": lambda: (
        tamper.edit(25, code="late"),
        tamper.edit(5, code="early"),
    ),
    "deleted tail": lambda: AuditEvent.objects.filter(seq__gt=25).delete(),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
@pytest.mark.parametrize("engine", ["fast", "python"])
def test_jobs_give_the_same_result_on_a_broken_chain(committed_chain, engine, damage):
    committed(damage)
    by_jobs = results(engine)
    assert not by_jobs[1][0]
    assert by_jobs[1] == by_jobs[2] == by_jobs[3]
    assert by_jobs[1] == outcome(chain.verify(engine="orm", anchors=anchors.AnchorScan()))


@pytest.mark.parametrize("engine", ["fast", "python"])
def test_jobs_report_a_tail_cut_before_the_signed_anchor(committed_chain, engine):
    checkpoint()  # signed anchor at seq 30, then the checkpoint event (31)

    def cut():
        AuditEvent.objects.filter(seq__gt=27).delete()
        last = AuditEvent.objects.order_by("-seq").first()
        ChainHead.objects.update(seq=last.seq, hash=last.hash)

    committed(cut)
    by_jobs = results(engine, anchors.scan_configured())
    assert by_jobs[1][:3] == (False, 28, "anchor_beyond_head")
    assert by_jobs[1] == by_jobs[2] == by_jobs[3]


@pytest.mark.parametrize("engine", ["fast", "python"])
def test_command_runs_the_jobs(committed_chain, engine, monkeypatch):
    from tests.audit.test_verify_command import run_verify

    ranges = []
    walk = chain._walk_parallel

    def spy(engine, head_seq, by_seq, jobs):
        ranges.append((engine, head_seq, jobs))
        return walk(engine, head_seq, by_seq, jobs)

    monkeypatch.setattr(chain, "_walk_parallel", spy)
    code, line = run_verify("--engine", engine, "--jobs", "2")
    assert (code, line) == (0, f"OK {EVENTS} events, head {ChainHead.objects.get(pk=1).hash}")
    assert ranges == [(engine, EVENTS, 2)]
