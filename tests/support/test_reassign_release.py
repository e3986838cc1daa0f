"""Reassignment keeps the state and changes the holder and the organisation; release puts
the track back in its queue with no holder."""

import pytest

from audit.models import AuditEvent
from core.errors import ApplicationError
from core.roles import Role
from directory.models import MemberProfile
from support import services as ss
from support.models import SupportTrack
from tests.referrals.builders import Cast, assert_unchanged, new_events, snapshot, track_in_state


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["assigned", "active", "on_hold"])
def test_reassign_keeps_the_state_and_changes_holder_and_organisation(state):
    cast = Cast()
    track = track_in_state(state, cast)
    spare = cast.actor("spare_member")
    kept = ("state", "state_changed_at", "first_contact_due_on", "hold_reason", "take_due_on")
    before_fields = {f: getattr(track, f) for f in kept}
    before = AuditEvent.objects.count()

    ss.track_reassign(actor=cast.coordinator, track=track, member=spare)

    stored = SupportTrack.objects.get(pk=track.pk)
    assert {f: getattr(stored, f) for f in kept} == before_fields
    assert stored.holder == spare
    assert stored.organisation == MemberProfile.objects.get(user=spare).organisation
    assert stored.organisation != track.organisation
    (event,) = new_events(before)
    assert (event.transition, event.from_state, event.to_state) == ("reassign", state, state)
    assert (event.actor_id, event.role) == (cast.coordinator.pk, "coordinator")


@pytest.mark.django_db
def test_after_reassignment_only_the_new_holder_acts():
    cast = Cast()
    track = track_in_state("active", cast)
    spare = cast.actor("spare_member")
    ss.track_reassign(actor=cast.coordinator, track=track, member=spare)
    with pytest.raises(ApplicationError):
        ss.track_complete(actor=cast.member, track=track, outcome="goals_reached")
    ss.track_complete(actor=spare, track=track, outcome="goals_reached")
    assert SupportTrack.objects.get(pk=track.pk).state == "completed"


@pytest.mark.django_db
def test_reassigning_to_the_current_holder_is_refused():
    cast = Cast()
    track = track_in_state("active", cast)
    before = snapshot(track.referral_id)
    with pytest.raises(ApplicationError) as refusal:
        ss.track_reassign(actor=cast.coordinator, track=track, member=cast.member)
    assert refusal.value.field == "member"
    assert_unchanged(before, track.referral_id)


@pytest.mark.django_db
@pytest.mark.parametrize("who", [Role.MEMBER, Role.COORDINATOR])
def test_release_puts_the_track_back_in_the_queue_with_no_holder(who):
    cast = Cast()
    track = track_in_state("assigned", cast)
    assert track.holder_id and track.organisation_id and track.first_contact_due_on
    before = AuditEvent.objects.count()

    ss.track_release(actor=cast.actor(who), track=track, reason="unavailable")

    stored = SupportTrack.objects.get(pk=track.pk)
    assert stored.state == "open"
    assert (stored.holder, stored.organisation, stored.first_contact_due_on) == (None, None, None)
    assert stored.take_due_on == track.take_due_on
    (event,) = new_events(before)
    assert (event.transition, event.from_state, event.to_state, event.code) == (
        "release",
        "assigned",
        "open",
        "unavailable",
    )


@pytest.mark.django_db
def test_a_released_track_can_be_taken_by_another_member():
    cast = Cast()
    track = track_in_state("assigned", cast)
    ss.track_release(actor=cast.member, track=track, reason="taken_by_mistake")
    other = cast.actor("other_member")
    ss.track_take(actor=other, track=track)
    stored = SupportTrack.objects.get(pk=track.pk)
    assert (stored.state, stored.holder) == ("assigned", other)
