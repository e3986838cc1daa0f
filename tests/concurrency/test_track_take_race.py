"""Two members take the same track at the same moment: exactly one gets it."""

import pytest

from audit import chain
from audit.models import AuditEvent
from core.errors import ApplicationError
from core.roles import Role
from referrals import services as referral_services
from support import services as track_services
from support.models import SupportTrack
from tests.concurrency.conftest import postgres_only, race
from tests.factories import user_with_role

pytestmark = postgres_only


def _open_track():
    from datetime import date

    from tests.factories import commune

    cell = user_with_role(Role.CELL_LIAISON, username="race-cell")
    coordinator = user_with_role(Role.COORDINATOR, username="race-coord")
    referral = referral_services.referral_register(
        actor=cell,
        reference="VAL-2026-0777",
        commune=commune(),
        age_bracket="from_18_to_25",
        place_typology="urban",
        family_involved="no",
        released_from_prison="no",
        family_asked_for_help="no",
        requested_domains=["social"],
        agreement="person_agreed",
        agreement_date=date.today(),
    )
    referral_services.referral_start_assessment(actor=coordinator, referral=referral)
    referral_services.referral_open_support(actor=coordinator, referral=referral)
    return SupportTrack.objects.get(referral=referral)


@pytest.mark.django_db(transaction=True)
def test_two_members_take_the_same_track(committed_reference_data):
    track = _open_track()
    alice = user_with_role(Role.MEMBER, username="alice", domains=["social"])
    bob = user_with_role(Role.MEMBER, username="bob", domains=["social"])
    events_before = AuditEvent.objects.count()

    results = race(
        lambda: track_services.track_take(actor=alice, track=track.pk),
        lambda: track_services.track_take(actor=bob, track=track.pk),
    )

    winners = [r for r in results if isinstance(r, SupportTrack)]
    losers = [r for r in results if isinstance(r, ApplicationError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "déjà pris en charge" in losers[0].message
    track.refresh_from_db()
    assert track.state == "assigned"
    assert track.holder_id == winners[0].holder_id
    assert AuditEvent.objects.count() == events_before + 1
    assert chain.verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_member_cannot_exceed_capacity_by_taking_two_tracks_at_once(committed_reference_data):
    first = _open_track()
    coordinator = user_with_role(Role.COORDINATOR, username="race-coord")
    cell = user_with_role(Role.CELL_LIAISON, username="race-cell")
    from datetime import date

    from tests.factories import commune

    other = referral_services.referral_register(
        actor=cell,
        reference="VAL-2026-0778",
        commune=commune(),
        age_bracket="from_18_to_25",
        place_typology="urban",
        family_involved="no",
        released_from_prison="no",
        family_asked_for_help="no",
        requested_domains=["social"],
        agreement="person_agreed",
        agreement_date=date.today(),
    )
    referral_services.referral_start_assessment(actor=coordinator, referral=other)
    referral_services.referral_open_support(actor=coordinator, referral=other)
    second = SupportTrack.objects.get(referral=other)
    carol = user_with_role(Role.MEMBER, username="carol", domains=["social"], capacity=1)

    results = race(
        lambda: track_services.track_take(actor=carol, track=first.pk),
        lambda: track_services.track_take(actor=carol, track=second.pk),
    )

    assert sum(isinstance(r, SupportTrack) for r in results) == 1, results
    assert sum(isinstance(r, ApplicationError) for r in results) == 1, results
    assert SupportTrack.objects.filter(holder=carol).count() == 1
