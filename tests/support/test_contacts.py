"""Contacts are structured (date, kind code, attended), recorded only by the holder, dated
between the referral's reception and today; the first one makes the track active."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from support import services as ss
from support.models import Contact, SupportTrack
from tests.referrals.builders import Cast, assert_unchanged, snapshot, track_in_state

TODAY = timezone.localdate()


@pytest.mark.django_db
def test_the_first_contact_is_recorded_and_activates_the_track():
    cast = Cast()
    track = track_in_state("assigned", cast)
    contact = ss.track_record_first_contact(
        actor=cast.member, track=track, occurred_on=TODAY, kind="home_visit"
    )
    stored = SupportTrack.objects.get(pk=track.pk)
    assert (stored.state, stored.first_contact_due_on) == ("active", None)
    assert Contact.objects.filter(track=track).count() == 1
    assert (contact.kind, contact.attended, contact.recorded_by, contact.occurred_on) == (
        "home_visit",
        True,
        cast.member,
        TODAY,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("attended", [True, False])
def test_further_contacts_keep_the_track_active(attended):
    cast = Cast()
    track = track_in_state("active", cast)
    contact = ss.track_record_contact(
        actor=cast.member, track=track, occurred_on=TODAY, kind="with_family", attended=attended
    )
    assert SupportTrack.objects.get(pk=track.pk).state == "active"
    assert (contact.kind, contact.attended) == ("with_family", attended)
    assert Contact.objects.filter(track=track).count() == 2  # the builders' first contact


@pytest.mark.django_db
@pytest.mark.parametrize(
    "occurred_on", [TODAY + timedelta(days=1), TODAY - timedelta(days=1), None, "2026-01-01"]
)
@pytest.mark.parametrize(("name", "state"), [("first", "assigned"), ("further", "active")])
def test_a_contact_outside_the_referral_period_is_refused(occurred_on, name, state):
    cast = Cast()
    track = track_in_state(state, cast)  # the referral was received today
    record = ss.track_record_first_contact if name == "first" else ss.track_record_contact
    before = snapshot(track.referral_id)
    with pytest.raises(ApplicationError) as refusal:
        record(actor=cast.member, track=track, occurred_on=occurred_on, kind="phone")
    assert refusal.value.field == "occurred_on"
    assert_unchanged(before, track.referral_id)
