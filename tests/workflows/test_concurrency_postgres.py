"""Two members of the same domain take the same support task at the same moment, through the
flow (viewflow's lock on the process, then the services' row locks): exactly one gets it, the
other is refused with nothing half-done. PostgreSQL only (SQLite serialises writers)."""

import threading

import pytest
from django.apps import apps
from django.db import connection

from audit import chain
from audit.models import AuditEvent
from core.errors import ApplicationError
from core.roles import sync_role_groups
from directory.communes import DEFAULT_COMMUNES_CSV, communes_parse_csv
from directory.services import communes_load
from referrals.models import Referral
from support.models import SupportTrack
from tests.workflows.conftest import start_referral, take, task_of, triage_open
from workflows import services
from workflows.selectors import flow_tasks

# The loser always gets the application error (a French message), never viewflow's
# FlowLockFailed nor a bare PermissionDenied.
REFUSALS = (ApplicationError,)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: SQLite serialises writers"
)


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests flush every table (TRUNCATE), data migrations' rows included:
    put the role groups and the communes back."""
    sync_role_groups(apps)
    with DEFAULT_COMMUNES_CSV.open(encoding="utf-8") as stream:
        communes_load(rows=communes_parse_csv(stream))


@pytest.fixture
def people(reference_data, people):
    """tests/workflows/conftest.py's people, once the reference data is back."""
    return people


def _race(*callables):
    """Run the callables in threads released together; their results or exceptions."""
    barrier = threading.Barrier(len(callables))
    results = [None] * len(callables)

    def runner(index, func):
        try:
            barrier.wait(timeout=10)
            results[index] = func()
        except Exception as exc:  # noqa: BLE001 — the test inspects what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(callables)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("domain", ["social", "psychological"])
def test_two_members_take_the_same_task_at_once(people, domain):
    contenders = [people["member"], people["member2"]]
    for member in contenders:  # both in the domain, both with room
        member.member_profile.domains = [domain]
        member.member_profile.save()
    referral = start_referral(people["cell"], domains=(domain,))
    process = triage_open(referral, people["coordinator"], domains=(domain,))
    task = task_of(process, "support", status="NEW")
    last_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()

    def taker(member):
        def attempt():
            return take(flow_tasks().get(pk=task.pk), member)  # its own copy of the task

        return attempt

    results = _race(*(taker(member) for member in contenders))

    winners = [m for m, r in zip(contenders, results, strict=True) if not isinstance(r, Exception)]
    refusals = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(refusals) == 1, results
    assert isinstance(refusals[0], REFUSALS), repr(refusals[0])
    winner = winners[0]
    track = SupportTrack.objects.get(referral_id=process.artifact_object_id)
    task.refresh_from_db()
    assert (track.state, track.holder_id) == ("assigned", winner.pk)
    assert (task.status, task.owner_id) == ("ASSIGNED", winner.pk)
    # One take: one audited transition and its task event, nothing from the loser.
    new_events = AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")
    assert [(e.transition, e.actor_id) for e in new_events] == [
        ("take", winner.pk),
        ("assign", winner.pk),
    ]
    result = chain.verify()
    assert result.ok, result.line()


@pytest.mark.django_db(transaction=True)
def test_two_completes_of_the_same_task_at_once(people):
    """A double click on the triage page, or two tabs: one completion wins, the other gets
    "déjà été traitée" (or "someone else is working on it"), nothing is done twice."""
    process = start_referral(people["cell"])
    task = take(task_of(process, "triage"), people["coordinator"])
    last_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()

    def complete():
        services.triage_complete(
            actor=people["coordinator"],
            task=flow_tasks().get(pk=task.pk),
            decision="open_support",
            domains=["social"],
        )
        return "done"

    results = _race(complete, complete)

    assert results.count("done") == 1, results
    (refusal,) = [r for r in results if r != "done"]
    assert isinstance(refusal, ApplicationError), repr(refusal)
    assert refusal.code in ("already_done", "busy"), refusal.code
    assert Referral.objects.get(pk=process.artifact_object_id).state == "in_support"
    assert SupportTrack.objects.filter(referral_id=process.artifact_object_id).count() == 1
    new_events = AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")
    assert [e.transition for e in new_events] == ["open_support", "open"]
    assert chain.verify().ok
