"""Two members take the same track at the same moment: exactly one gets it. Through the
public write API (workflows.services.task_take: process lock, then the track's)."""

import pytest
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent
from core.errors import ApplicationError
from core.roles import Role
from support.models import SupportTrack
from tests.concurrency.conftest import postgres_only, race
from tests.factories import commune, user_with_role
from workflows import services
from workflows.selectors import flow_tasks

pytestmark = postgres_only


def _open_track(reference="VAL-2026-0777", suffix=""):
    """A referral in support (through the public API) and its open social task."""
    cell = user_with_role(Role.CELL_LIAISON, username=f"race-cell{suffix}")
    coordinator = user_with_role(Role.COORDINATOR, username=f"race-coord{suffix}")
    process = services.referral_start(
        actor=cell,
        reference=reference,
        commune=commune(),
        age_bracket="from_18_to_25",
        place_typology="urban",
        family_involved="no",
        released_from_prison="no",
        family_asked_for_help="no",
        requested_domains=["social"],
        agreement="person_agreed",
        agreement_date=timezone.localdate(),
    )
    triage = flow_tasks().get(process=process, flow_task=services.selectors.flow().triage)
    services.task_take(actor=coordinator, task=triage)
    services.triage_complete(
        actor=coordinator, task=triage, decision="open_support", domains=["social"]
    )
    task = flow_tasks().get(process=process, flow_task=services.selectors.flow().support)
    return SupportTrack.objects.get(pk=task.artifact_object_id), task


def _take(member, task):
    services.task_take(actor=member, task=task)
    return SupportTrack.objects.get(pk=task.artifact_object_id)


@pytest.mark.django_db(transaction=True)
def test_two_members_take_the_same_track(committed_reference_data):
    track, task = _open_track()
    alice = user_with_role(Role.MEMBER, username="alice", domains=["social"])
    bob = user_with_role(Role.MEMBER, username="bob", domains=["social"])
    events_before = AuditEvent.objects.count()

    results = race(
        lambda: _take(alice, task),
        lambda: _take(bob, task),
    )

    winners = [r for r in results if isinstance(r, SupportTrack)]
    losers = [r for r in results if isinstance(r, ApplicationError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "déjà prise en charge" in losers[0].message
    track.refresh_from_db()
    assert track.state == "assigned"
    assert track.holder_id == winners[0].holder_id
    # The winner's take is one audited transition and its task event; nothing from the loser.
    new_events = AuditEvent.objects.order_by("seq")[events_before:]
    assert [(e.transition, e.actor_id) for e in new_events] == [
        ("take", track.holder_id),
        ("assign", track.holder_id),
    ]
    assert chain.verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_member_cannot_exceed_capacity_by_taking_two_tracks_at_once(committed_reference_data):
    first, first_task = _open_track()
    second, second_task = _open_track("VAL-2026-0778", suffix="-2")
    carol = user_with_role(Role.MEMBER, username="carol", domains=["social"], capacity=1)

    results = race(
        lambda: _take(carol, first_task),
        lambda: _take(carol, second_task),
    )

    assert sum(isinstance(r, SupportTrack) for r in results) == 1, results
    assert sum(isinstance(r, ApplicationError) for r in results) == 1, results
    assert SupportTrack.objects.filter(holder=carol).count() == 1
