"""Who may hold a track: a member of the track's domain, within their capacity, with an
active profile; a member acts only on the tracks they hold; tracks move only while the
referral is in support."""

import pytest

from core.errors import ApplicationError
from core.roles import Role
from directory.models import MemberProfile
from support import services as ss
from support.models import SupportTrack
from tests.factories import user_with_role
from tests.referrals.builders import (
    Cast,
    assert_unchanged,
    snapshot,
    track_in_state,
)
from tests.support.specs import SPECS_BY_NAME

NOT_MY_DOMAIN = "Ce domaine ne fait pas partie des compétences déclarées du membre."
NO_PROFILE = "Ce membre n'a pas de profil actif dans le groupe opérationnel."
HELD_BY_ANOTHER = "Cet accompagnement est pris en charge par un autre membre."
NOT_IN_SUPPORT = "L'orientation n'est pas en cours d'accompagnement (suspendue ou terminée)."


def _refused(call, track):
    before = snapshot(track.referral_id)
    with pytest.raises(ApplicationError) as refusal:
        call()
    assert_unchanged(before, track.referral_id)
    return refusal.value


def _take(cast, member):
    return lambda track: ss.track_take(actor=member, track=track)


def _assign(cast, member):
    return lambda track: ss.track_assign(actor=cast.coordinator, track=track, member=member)


HOW = pytest.mark.parametrize("how", [_take, _assign], ids=["take", "assign"])


@pytest.mark.django_db
@HOW
def test_a_track_outside_the_members_domains_is_refused(how):
    cast = Cast()
    track = track_in_state("open", cast)  # social
    member = user_with_role(Role.MEMBER, domains=["psychological", "educational"])
    error = _refused(lambda: how(cast, member)(track), track)
    assert (error.code, error.message) == ("not_eligible", NOT_MY_DOMAIN)


@pytest.mark.django_db
@HOW
def test_a_member_at_capacity_is_refused(how):
    cast = Cast(member=user_with_role(Role.MEMBER, capacity=2))
    for _ in range(2):
        ss.track_take(actor=cast.member, track=track_in_state("open", cast))
    track = track_in_state("open", cast)
    error = _refused(lambda: how(cast, cast.member)(track), track)
    assert error.code == "not_eligible"
    assert error.message.startswith("Capacité atteinte : 2 accompagnement(s) en cours sur 2")


@pytest.mark.django_db
@pytest.mark.parametrize("ended", ["completed", "interrupted"])
def test_ended_tracks_free_the_capacity(ended):
    cast = Cast(member=user_with_role(Role.MEMBER, capacity=1))
    track_in_state(ended, cast)
    track = track_in_state("open", cast)
    ss.track_take(actor=cast.member, track=track)
    assert SupportTrack.objects.get(pk=track.pk).holder == cast.member


@pytest.mark.django_db
def test_reassigning_to_a_member_at_capacity_is_refused():
    cast = Cast()
    spare = user_with_role(Role.MEMBER, capacity=1)
    ss.track_take(actor=spare, track=track_in_state("open", cast))
    track = track_in_state("active", cast)
    error = _refused(
        lambda: ss.track_reassign(actor=cast.coordinator, track=track, member=spare), track
    )
    assert error.code == "not_eligible"


@pytest.mark.django_db
@HOW
def test_an_inactive_member_profile_is_refused(how):
    cast = Cast()
    MemberProfile.objects.filter(user=cast.member).update(active=False)
    track = track_in_state("open", cast)
    error = _refused(lambda: how(cast, cast.member)(track), track)
    assert error.message == NO_PROFILE


@pytest.mark.django_db
def test_assigning_to_a_user_without_member_profile_is_refused():
    cast = Cast()
    track = track_in_state("open", cast)
    error = _refused(lambda: _assign(cast, cast.coordinator)(track), track)
    assert error.message == NO_PROFILE


@pytest.mark.django_db
def test_taking_a_track_already_taken_is_refused():
    cast = Cast()
    track = track_in_state("assigned", cast)
    error = _refused(lambda: ss.track_take(actor=cast.actor("other_member"), track=track), track)
    assert error.code == "already_taken"


HOLDER_ACTIONS = [
    ("release", "assigned"),
    ("record_first_contact", "assigned"),
    ("record_contact", "active"),
    ("hold", "active"),
    ("resume", "on_hold"),
    ("complete", "active"),
    ("interrupt", "active"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "state"), HOLDER_ACTIONS)
def test_a_member_cannot_act_on_a_track_held_by_someone_else(name, state):
    cast = Cast()
    track = track_in_state(state, cast)
    spec = SPECS_BY_NAME[name]
    other = cast.actor("other_member")
    error = _refused(lambda: spec.call(cast, other, track, spec.code), track)
    assert (error.code, error.message) == ("forbidden", HELD_BY_ANOTHER)


@pytest.mark.django_db
def test_a_member_cannot_interrupt_an_open_track_nobody_holds():
    cast = Cast()
    track = track_in_state("open", cast)
    error = _refused(
        lambda: ss.track_interrupt(actor=cast.member, track=track, reason="person_refused"), track
    )
    assert error.code == "forbidden"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("take", "open"),
        ("assign", "open"),
        ("reassign", "active"),
        ("record_first_contact", "assigned"),
        ("record_contact", "active"),
        ("resume", "on_hold"),
    ],
)
def test_tracks_of_a_suspended_referral_do_not_move_on(name, state):
    cast = Cast()
    track = track_in_state(state, cast, referral_state="suspended")
    spec = SPECS_BY_NAME[name]
    who = spec.roles[0]
    error = _refused(lambda: spec.call(cast, cast.actor(who), track, spec.code), track)
    assert (error.code, error.message) == ("guard", NOT_IN_SUPPORT)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "state"), [("take", "open"), ("record_contact", "active")])
def test_tracks_move_on_during_the_review(name, state):
    cast = Cast()
    track = track_in_state(state, cast, referral_state="in_review")
    spec = SPECS_BY_NAME[name]
    spec.call(cast, cast.actor(spec.roles[0]), track, spec.code)
    assert SupportTrack.objects.get(pk=track.pk).state == spec.target_from(state)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "state"), [("hold", "active"), ("release", "assigned"), ("interrupt", "active")]
)
def test_a_suspended_referral_can_still_pause_release_or_interrupt_its_tracks(name, state):
    cast = Cast()
    track = track_in_state(state, cast, referral_state="suspended")
    spec = SPECS_BY_NAME[name]
    spec.call(cast, cast.coordinator, track, spec.code)
    assert SupportTrack.objects.get(pk=track.pk).state == spec.target_from(state)
