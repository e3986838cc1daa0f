"""Withdrawing a referral (workflows.services.process_withdraw) interrupts its running tracks
with the same reason code (one audit event each), leaves the ended ones alone and cancels the
process."""

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from audit.models import AuditEvent
from referrals.models import Referral
from support.models import SupportTrack
from tests.referrals.builders import (
    Cast,
    new_events,
    referral_in_state,
    take_track,
    track_in_state,
)
from workflows import services as ws

REASON = "taken_over_elsewhere"


def _withdraw(cast, referral):
    before = AuditEvent.objects.count()
    ws.process_withdraw(actor=cast.cell, referral=referral, reason=REASON)
    return new_events(before)


@pytest.mark.django_db
def test_withdraw_interrupts_every_running_track_and_keeps_the_ended_one():
    cast = Cast()
    referral = referral_in_state(
        "in_support", cast, domains=["psychological", "educational", "social", "professional"]
    )
    tracks = {t.domain: t for t in referral.tracks.all()}
    today = timezone.localdate()
    take_track(cast.member, tracks["educational"])
    for domain in ("social", "professional"):
        take_track(cast.member, tracks[domain])
        ws.track_first_contact_record(
            actor=cast.member, track=tracks[domain], occurred_on=today, kind="interview"
        )
    ws.track_hold(actor=cast.member, track=tracks["social"], reason="person_unavailable")
    ws.track_complete(actor=cast.member, track=tracks["professional"], outcome="goals_reached")

    events = _withdraw(cast, referral)

    stored = {t.domain: t for t in SupportTrack.objects.filter(referral=referral)}
    for domain in ("psychological", "educational", "social"):
        assert (stored[domain].state, stored[domain].interruption_reason) == (
            "interrupted",
            REASON,
        )
        assert stored[domain].hold_reason == ""
    assert (stored["professional"].state, stored["professional"].outcome) == (
        "completed",
        "goals_reached",
    )
    assert stored["professional"].interruption_reason == ""
    assert Referral.objects.get(pk=referral.pk).state == "withdrawn"

    assert [(e.transition, e.object_type) for e in events] == [("withdraw", "referral")] + [
        ("interrupt", "support_track")
    ] * 3
    interrupted = {e.object_id: e.from_state for e in events[1:]}
    assert interrupted == {
        tracks["psychological"].pk: "open",
        tracks["educational"].pk: "assigned",
        tracks["social"].pk: "on_hold",
    }
    assert {(e.code, e.role, e.actor_id, e.to_state) for e in events} == {
        (REASON, "cell_liaison", cast.cell.pk, "withdrawn"),
        (REASON, "cell_liaison", cast.cell.pk, "interrupted"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("referral_state", ["in_support", "suspended", "in_review"])
@pytest.mark.parametrize("track_state", ["open", "assigned", "active", "on_hold"])
def test_withdraw_interrupts_a_running_track_in_any_state(referral_state, track_state):
    cast = Cast()
    track = track_in_state(track_state, cast, referral_state=referral_state)
    events = _withdraw(cast, track.referral)
    stored = SupportTrack.objects.get(pk=track.pk)
    assert (stored.state, stored.interruption_reason) == ("interrupted", REASON)
    assert stored.holder_id == track.holder_id  # the record of who held it stays
    withdraw, interrupt = events
    assert (withdraw.from_state, withdraw.to_state) == (referral_state, "withdrawn")
    assert (interrupt.from_state, interrupt.to_state, interrupt.code) == (
        track_state,
        "interrupted",
        REASON,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("track_state", ["completed", "interrupted"])
def test_withdraw_leaves_ended_tracks_alone(track_state):
    cast = Cast()
    track = track_in_state(track_state, cast)
    before = model_to_dict(SupportTrack.objects.get(pk=track.pk))
    events = _withdraw(cast, track.referral)
    assert events[0].transition == "withdraw"
    assert track.pk not in [e.object_id for e in events[1:]]  # only the other, open track
    assert model_to_dict(SupportTrack.objects.get(pk=track.pk)) == before


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["received", "in_assessment"])
def test_withdraw_before_support_writes_one_event(state):
    cast = Cast()
    referral = referral_in_state(state, cast)
    (event,) = _withdraw(cast, referral)
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.state, stored.withdrawal_reason) == ("withdrawn", REASON)
    assert (event.from_state, event.code) == (state, REASON)
