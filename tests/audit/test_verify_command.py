"""``audit_verify``: OK line and exit 0 on an intact chain; ``BROKEN at seq <n>: <reason>`` and
exit 1 when tampered, at the right sequence number."""

from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import AuditEvent, ChainHead
from tests.audit import tamper

pytestmark = pytest.mark.django_db


def run_verify(*args):
    out = StringIO()
    try:
        call_command("audit_verify", *args, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue().strip()
    return 0, out.getvalue().strip()


@pytest.fixture
def chain_of_ten(make_events):
    return make_events(10)


def test_intact_chain_prints_ok_with_count_and_head(chain_of_ten):
    code, line = run_verify()
    head = ChainHead.objects.get(pk=1)
    assert code == 0
    assert line == f"OK 10 events, head {head.hash}"
    assert head.hash == AuditEvent.objects.get(seq=10).hash


def test_empty_chain_is_ok(db):
    code, line = run_verify()
    assert (code, line) == (0, "OK 0 events, head " + "0" * 64)


def test_edited_row_is_detected_at_its_sequence_number(chain_of_ten):
    tamper.drop_triggers()
    tamper.edit(4, code="forged")
    assert run_verify() == (1, "BROKEN at seq 4: hash does not match the event's content")


def test_edited_actor_or_time_is_detected(chain_of_ten):
    tamper.drop_triggers()
    event = AuditEvent.objects.get(seq=7)
    tamper.edit(7, occurred_at=event.occurred_at.replace(microsecond=0))
    code, line = run_verify()
    assert code == 1 and line.startswith("BROKEN at seq 7:")


def test_deleted_row_is_detected(chain_of_ten):
    tamper.drop_triggers()
    AuditEvent.objects.filter(seq=6).delete()
    assert run_verify() == (1, "BROKEN at seq 6: event 6 is missing")


def test_deleted_last_rows_are_detected_by_the_head(chain_of_ten):
    tamper.drop_triggers()
    AuditEvent.objects.filter(seq__gte=9).delete()
    assert run_verify() == (1, "BROKEN at seq 9: head is at seq 10 but events stop")


def test_reordered_rows_are_detected(chain_of_ten):
    tamper.drop_triggers()
    tamper.swap_contents(3, 4)
    assert run_verify() == (1, "BROKEN at seq 3: previous-hash link does not match")


def test_forged_hash_is_detected_at_the_next_event(chain_of_ten):
    tamper.drop_triggers()
    tamper.forge(5, code="forged")
    assert run_verify() == (1, "BROKEN at seq 6: previous-hash link does not match")


def test_forged_last_event_is_detected_by_the_head(chain_of_ten):
    tamper.drop_triggers()
    tamper.forge(10, code="forged")
    assert run_verify() == (1, "BROKEN at seq 10: head hash does not match the last event")


def test_jobs_below_one_is_refused(chain_of_ten):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--jobs"):
        run_verify("--jobs", "0")
