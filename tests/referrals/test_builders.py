"""The builders reach every state through the services, with the holder the tests expect."""

import pytest

from referrals.models import Referral
from referrals.vocabularies import ReferralState
from support.vocabularies import TrackState
from tests.referrals.builders import Cast, referral_in_state, track_in_state


@pytest.mark.django_db
@pytest.mark.parametrize("state", ReferralState.values)
def test_referral_in_state(state):
    referral = referral_in_state(state)
    assert Referral.objects.get(pk=referral.pk).state == state


@pytest.mark.django_db
@pytest.mark.parametrize("state", TrackState.values)
@pytest.mark.parametrize("referral_state", ["in_support", "in_review", "suspended"])
def test_track_in_state(state, referral_state):
    cast = Cast()
    track = track_in_state(state, cast, referral_state=referral_state)
    assert (track.state, track.referral.state) == (state, referral_state)
    assert track.holder == (None if state == TrackState.OPEN else cast.member)
