"""A referral's transition, the tracks it opens or interrupts, their audit events and the
workflow tasks commit together or not at all (docs/design.md §2.3), through the public write API."""

import pytest

from audit import chain
from referrals.models import Referral
from support.models import SupportTrack
from tests.referrals.builders import (
    Cast,
    assert_unchanged,
    referral_in_state,
    snapshot,
    task_of,
    track_in_state,
)
from workflows import services as ws
from workflows.selectors import flow_tasks


class Boom(Exception):
    pass


@pytest.fixture
def fail_audit_append(monkeypatch):
    """Make the n-th audit append from now on raise (after the state change was saved)."""

    def arm(nth=1):
        real = chain.append
        calls = {"n": 0}

        def append(fields, **kwargs):
            calls["n"] += 1
            if calls["n"] == nth:
                raise Boom("audit chain unavailable")
            return real(fields, **kwargs)

        monkeypatch.setattr(chain, "append", append)

    return arm


def _tasks(referral):
    return list(
        flow_tasks()
        .filter(process__artifact_object_id=referral.pk)
        .order_by("pk")
        .values_list("flow_task", "status", "owner_id")
    )


@pytest.mark.django_db
def test_open_support_is_rolled_back_when_a_track_event_fails(fail_audit_append):
    cast = Cast()
    referral = referral_in_state("in_assessment", cast, domains=["social", "educational"])
    before, tasks = snapshot(referral), _tasks(referral)
    fail_audit_append(nth=3)  # the transition's event and the first track's were written
    with pytest.raises(Boom):
        ws.triage_complete(
            actor=cast.coordinator,
            task=task_of(referral, "triage"),
            decision="open_support",
            domains=["social", "educational"],
        )
    assert Referral.objects.get(pk=referral.pk).state == "in_assessment"
    assert not SupportTrack.objects.filter(referral=referral).exists()
    assert_unchanged(before, referral)
    assert _tasks(referral) == tasks


@pytest.mark.django_db
def test_withdraw_is_rolled_back_when_an_interruption_event_fails(fail_audit_append):
    cast = Cast()
    track = track_in_state("active", cast)
    before, tasks = snapshot(track.referral), _tasks(track.referral)
    fail_audit_append(nth=2)
    with pytest.raises(Boom):
        ws.process_withdraw(actor=cast.cell, referral=track.referral, reason="person_moved")
    assert SupportTrack.objects.get(pk=track.pk).state == "active"
    assert_unchanged(before, track.referral)
    assert _tasks(track.referral) == tasks
