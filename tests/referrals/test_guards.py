"""The guards of the referral transitions: support is voluntary (agreement recorded before
opening it), closing needs every track ended, continuing needs something to continue."""

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from referrals import services as rs
from referrals.models import Referral
from referrals.vocabularies import Agreement
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

NO_AGREEMENT = "L'accord de la personne ou de la famille (avec sa date) doit être recueilli."
TRACKS_RUNNING = "Tous les accompagnements doivent être terminés ou interrompus avant la clôture."


def _refused(call, referral):
    before = snapshot(referral)
    with pytest.raises(ApplicationError) as refusal:
        call()
    assert_unchanged(before, referral)
    return refusal.value


@pytest.mark.django_db
@pytest.mark.parametrize("agreement", [Agreement.NOT_RECORDED, Agreement.REFUSED])
def test_opening_support_without_agreement_is_refused(agreement):
    cast = Cast()
    date = None if agreement == Agreement.NOT_RECORDED else timezone.localdate()
    # A refusal comes with no requested domain (it excludes them).
    domains = () if agreement == Agreement.REFUSED else ("social",)
    referral = referral_in_state(
        "in_assessment", cast, domains=domains, agreement=agreement, agreement_date=date
    )
    error = _refused(
        lambda: rs.referral_open_support(actor=cast.coordinator, referral=referral), referral
    )
    assert (error.code, error.message) == ("guard", NO_AGREEMENT)


@pytest.mark.django_db
def test_support_opens_once_the_agreement_is_recorded():
    cast = Cast()
    referral = referral_in_state(
        "in_assessment", cast, agreement=Agreement.NOT_RECORDED, agreement_date=None
    )
    rs.referral_record_agreement(
        actor=cast.cell,
        referral=referral,
        agreement=Agreement.PERSON_AGREED,
        agreement_date=timezone.localdate(),
    )
    rs.referral_open_support(actor=cast.coordinator, referral=referral)
    assert Referral.objects.get(pk=referral.pk).state == "in_support"


@pytest.mark.django_db
def test_opening_support_opens_one_track_per_domain():
    cast = Cast()
    referral = referral_in_state("in_assessment", cast, domains=["social", "educational"])
    ws.triage_complete(
        actor=cast.coordinator,
        task=task_of(referral, "triage"),
        decision="open_support",
        domains=["social", "educational"],
    )
    tracks = SupportTrack.objects.filter(referral=referral)
    assert sorted(t.domain for t in tracks) == ["educational", "social"]
    assert {(t.state, t.holder_id) for t in tracks} == {("open", None)}


@pytest.mark.django_db
@pytest.mark.parametrize("domains", [[], ["spiritual"]])
def test_opening_support_needs_known_domains(domains):
    cast = Cast()
    referral = referral_in_state("in_assessment", cast)
    error = _refused(
        lambda: ws.triage_complete(
            actor=cast.coordinator,
            task=task_of(referral, "triage"),
            decision="open_support",
            domains=domains,
        ),
        referral,
    )
    assert error.field == "domains"


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["in_review", "suspended"])
@pytest.mark.parametrize("track_state", ["open", "assigned", "active", "on_hold"])
def test_closing_with_a_running_track_is_refused(state, track_state):
    cast = Cast()
    track = track_in_state(track_state, cast, referral_state=state)
    referral = track.referral
    error = _refused(
        lambda: rs.referral_close(actor=cast.cell, referral=referral, code="goals_reached"),
        referral,
    )
    assert (error.code, error.message) == ("guard", TRACKS_RUNNING)


@pytest.mark.django_db
@pytest.mark.parametrize("track_state", ["completed", "interrupted"])
def test_closing_once_every_track_has_ended_is_allowed(track_state):
    cast = Cast()
    referral = track_in_state(track_state, cast, referral_state="in_review").referral
    rs.referral_close(actor=cast.cell, referral=referral, code="goals_reached")
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.state, stored.closure_code, stored.next_review_on) == (
        "closed",
        "goals_reached",
        None,
    )


def _continue(cast, referral, domains):
    review = task_of(referral, "review")
    if review.owner_id is None:
        ws.task_take(actor=cast.cell, task=review)
    ws.review_complete(actor=cast.cell, task=review, decision="continue", domains=domains)


@pytest.mark.django_db
def test_continuing_in_a_domain_already_running_is_refused():
    cast = Cast()
    referral = referral_in_state("in_review", cast)  # its social track is still open
    ws.task_take(actor=cast.cell, task=task_of(referral, "review"))
    error = _refused(lambda: _continue(cast, referral, ["social"]), referral)
    assert error.field == "domains"


@pytest.mark.django_db
def test_continuing_with_nothing_running_and_no_domain_is_refused():
    cast = Cast()
    referral = referral_in_state("in_review", cast)
    ws.track_interrupt(actor=cast.coordinator, track=referral.tracks.get(), reason="holder_left")
    ws.task_take(actor=cast.cell, task=task_of(referral, "review"))
    error = _refused(lambda: _continue(cast, referral, []), referral)
    assert error.field == "domains"


@pytest.mark.django_db
def test_continuing_keeps_running_tracks_and_opens_the_new_domains():
    cast = Cast()
    referral = referral_in_state("in_review", cast)
    _continue(cast, referral, ["psychological"])
    stored = Referral.objects.get(pk=referral.pk)
    assert stored.state == "in_support"
    assert stored.next_review_on > timezone.localdate()
    assert sorted(referral.tracks.values_list("domain", "state")) == [
        ("psychological", "open"),
        ("social", "open"),
    ]
