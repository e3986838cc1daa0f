"""The services that end things: closing a referral from its case page (a suspended one, its
tracks all ended) and ending a track (outcome or interruption) with its task."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent
from core.errors import ApplicationError
from referrals.models import Referral
from support.models import SupportTrack
from tests.workflows.conftest import start_referral, take, task_of, triage_open
from workflows import services
from workflows.selectors import flow_tasks

YESTERDAY = timezone.localdate() - timedelta(days=1)


def _open_tasks(process):
    return list(
        flow_tasks()
        .filter(process=process)
        .exclude(status__in=["DONE", "CANCELED"])
        .values_list("flow_task", flat=True)
    )


@pytest.mark.django_db
def test_closing_a_suspended_referral_ends_its_process(people):
    process = triage_open(start_referral(people["cell"]), people["coordinator"])
    referral = Referral.objects.get(pk=process.artifact_object_id)
    services.process_suspend(actor=people["coordinator"], referral=referral, reason="incarceration")
    track = referral.tracks.get()
    services.track_interrupt(actor=people["coordinator"], track=track, reason="person_refused")
    assert Referral.objects.get(pk=referral.pk).state == "suspended"  # no review while suspended

    services.process_close(actor=people["cell"], referral=referral, code="person_moved")

    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.state, stored.closure_code) == ("closed", "person_moved")
    process.refresh_from_db()
    assert process.status == "DONE"  # ended through its own graph, not cancelled
    assert _open_tasks(process) == []
    close = AuditEvent.objects.get(reference=stored.reference, transition="close")
    assert (close.from_state, close.to_state, close.role) == ("suspended", "closed", "cell_liaison")
    assert chain.verify().ok


@pytest.mark.django_db
def test_closing_with_a_running_track_is_refused_and_changes_nothing(people):
    process = triage_open(start_referral(people["cell"]), people["coordinator"])
    referral = Referral.objects.get(pk=process.artifact_object_id)
    services.process_suspend(actor=people["coordinator"], referral=referral, reason="incarceration")
    before = (_open_tasks(process), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as refusal:
        services.process_close(actor=people["cell"], referral=referral, code="person_moved")
    assert refusal.value.code == "guard"
    assert Referral.objects.get(pk=referral.pk).state == "suspended"
    assert (_open_tasks(process), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_completing_the_last_track_finishes_its_task_and_requests_the_review(people):
    process = triage_open(start_referral(people["cell"]), people["coordinator"])
    task = take(task_of(process, "support", status="NEW"), people["member"])
    track = SupportTrack.objects.get(pk=task.artifact_object_id)
    services.track_first_contact_record(
        actor=people["member"], track=track, occurred_on=YESTERDAY, kind="phone"
    )
    services.track_complete(actor=people["member"], track=track, outcome="goals_reached")

    task.refresh_from_db()
    assert (task.status, task.owner_id) == ("DONE", people["member"].pk)
    assert SupportTrack.objects.get(pk=track.pk).state == "completed"
    assert Referral.objects.get(pk=track.referral_id).state == "in_review"
    review = task_of(process, "review")
    assert (review.status, review.owner_id) == ("NEW", None)  # in the cell's queue


@pytest.mark.django_db
def test_interrupting_an_open_track_finishes_its_queued_task(people):
    both = ("social", "psychological")
    process = triage_open(
        start_referral(people["cell"], domains=both), people["coordinator"], domains=both
    )
    task = task_of(process, "support", domain="social", status="NEW")
    track = SupportTrack.objects.get(pk=task.artifact_object_id)
    services.track_interrupt(actor=people["coordinator"], track=track, reason="person_refused")

    task.refresh_from_db()
    assert task.status == "DONE"
    assert SupportTrack.objects.get(pk=track.pk).state == "interrupted"
    # The psychological track still runs: no review yet.
    assert Referral.objects.get(pk=track.referral_id).state == "in_support"
