"""Checkpoints: ``audit_checkpoint`` stores and prints the head; ``audit_verify`` compares every
stored checkpoint and any kept outside the database; a consistent rewrite after a checkpoint
is reported broken."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit import chain
from audit.anchors import AnchorScan
from audit.checkpoints import parse_line
from audit.models import AuditCheckpoint, AuditEvent, ChainHead
from audit.vocabularies import AuditAction
from tests.audit import tamper
from tests.audit.test_verify_command import run_verify

pytestmark = pytest.mark.django_db

LINE = re.compile(
    r"^relais-checkpoint v1 seq=(\d+) hash=([0-9a-f]{64}) "
    r"at=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"
)


def checkpoint() -> str:
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    return out.getvalue().splitlines()[0]


def test_checkpoint_records_the_head_and_prints_one_line(make_events):
    make_events(6)
    head = ChainHead.objects.get(pk=1)
    line = checkpoint()
    match = LINE.match(line)
    assert match, line
    assert (int(match[1]), match[2]) == (6, head.hash)
    stored = AuditCheckpoint.objects.get()
    assert (stored.seq, stored.hash, stored.line) == (6, head.hash, line)
    # The checkpoint is itself an event of the chain, after the checkpointed head.
    event = AuditEvent.objects.get(seq=7)
    assert (event.action, event.object_id, event.role) == (AuditAction.CHECKPOINT, 6, "system")
    assert run_verify() == (0, f"OK 7 events, head {event.hash}")


def test_checkpoint_of_an_empty_chain(db):
    line = checkpoint()
    assert line.startswith("relais-checkpoint v1 seq=0 hash=" + "0" * 64)
    assert run_verify("--checkpoint", line)[0] == 0


@pytest.fixture
def rewritten_after_checkpoint(make_events):
    """Ten events, a checkpoint at 6 (event 7), three more; then event 4 is rewritten and
    every later hash, link and the head recomputed consistently."""
    make_events(6)
    line = checkpoint()
    make_events(3)
    tamper.drop_triggers()
    tamper.rewrite_from(4, code="forged")
    return line


def test_consistent_rewrite_passes_without_checkpoints(rewritten_after_checkpoint):
    # The rewrite is consistent: the chain alone cannot tell.
    assert chain.verify(stored_checkpoints=False, anchors=AnchorScan()).ok


def test_stored_checkpoint_catches_a_consistent_rewrite(rewritten_after_checkpoint):
    assert run_verify() == (1, "BROKEN at seq 6: hash differs from a stored checkpoint")
    assert chain.verify().reason_code == "checkpoint_mismatch"


def test_checkpoint_kept_outside_catches_a_rewrite_of_the_checkpoints_too(
    rewritten_after_checkpoint,
):
    # The attacker also erases the stored checkpoints: without the signed anchors, the chain
    # verifies again...
    tamper.drop_triggers("audit_auditcheckpoint")
    AuditCheckpoint.objects.all().delete()
    assert chain.verify(anchors=AnchorScan()).ok
    assert run_verify()[1].startswith("BROKEN at seq 6: hash differs from the signed anchor ")
    # ...and not against the line kept outside the database.
    assert run_verify("--checkpoint", rewritten_after_checkpoint) == (
        1,
        "BROKEN at seq 6: hash differs from a checkpoint kept outside the database",
    )


def test_checkpoint_file_is_read(rewritten_after_checkpoint, tmp_path):
    tamper.drop_triggers("audit_auditcheckpoint")
    AuditCheckpoint.objects.all().delete()
    archive = tmp_path / "checkpoints.txt"
    archive.write_text(f"# daily lines\n\n{rewritten_after_checkpoint}\n", encoding="utf-8")
    assert run_verify("--checkpoint-file", str(archive))[0] == 1


def test_intact_chain_matches_its_checkpoints(make_events):
    make_events(3)
    first = checkpoint()
    make_events(3)
    second = checkpoint()
    code, line = run_verify("--checkpoint", first, "--checkpoint", second)
    assert code == 0, line
    assert chain.verify().checkpoint_count == 2


def test_checkpoint_beyond_the_head_means_events_disappeared(make_events):
    make_events(5)
    line = checkpoint()  # seq=5; the checkpoint event is 6
    # Rewind the chain to 3 events (triggers dropped), head consistent with event 3.
    tamper.drop_triggers()
    tamper.drop_triggers("audit_auditcheckpoint")
    AuditEvent.objects.filter(seq__gt=3).delete()
    AuditCheckpoint.objects.all().delete()
    ChainHead.objects.filter(pk=1).update(seq=3, hash=AuditEvent.objects.get(seq=3).hash)
    assert chain.verify(anchors=AnchorScan()).ok
    assert chain.verify(anchors=AnchorScan(), checkpoints=[parse_line(line)]).line() == (
        "BROKEN at seq 4: a checkpoint is at seq 5 but the chain stops at seq 3"
    )
    # The signed anchor written with the checkpoint says the same, without being asked.
    code, result = run_verify()
    assert code == 1
    assert re.fullmatch(
        r"BROKEN at seq 4: the signed anchor anchor-0+5-\w+\.txt is at seq 5 but the chain "
        r"stops at seq 3",
        result,
    ), result


@pytest.mark.parametrize(
    "line",
    [
        "",
        "relais-checkpoint v1 seq=5",
        "relais-checkpoint v2 seq=5 hash=" + "a" * 64 + " at=2026-01-01T00:00:00.000000Z",
        "relais-checkpoint v1 seq=-5 hash=" + "a" * 64 + " at=2026-01-01T00:00:00.000000Z",
        "relais-checkpoint v1 seq=5 hash=" + "A" * 64 + " at=2026-01-01T00:00:00.000000Z",
        "relais-checkpoint v1 seq=5 hash=" + "a" * 64 + " at=2026-13-01T00:00:00.000000Z",
    ],
)
def test_malformed_checkpoint_line_stops_with_a_french_message(db, line):
    with pytest.raises(CommandError, match="Ligne de point de contrôle invalide") as excinfo:
        call_command("audit_verify", "--checkpoint", line, stdout=StringIO())
    assert excinfo.value.returncode == 2


def test_verification_covers_the_head_it_started_from(make_events, monkeypatch):
    """Events written while verification runs are outside the head it read: still OK."""
    make_events(4)
    read_head = chain._read_head

    def head_then_more_writes():
        head = read_head()
        make_events(3)  # appended right after the head was read
        return head

    monkeypatch.setattr(chain, "_read_head", head_then_more_writes)
    result = chain.verify()
    assert result.ok and result.count == 4 and result.head_seq == 4
    monkeypatch.undo()
    assert chain.verify().count == 7
