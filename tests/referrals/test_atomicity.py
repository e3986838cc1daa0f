"""A transition, its audit event(s) and its side effects commit together or not at all
(docs/design.md §2.3), and of two writers holding the same state only one succeeds (§4).

The domain services run in their caller's transaction (``workflows.services`` opens it; no
savepoint of their own, ``core.transactions.joined``): the tests below open it as the caller
does, and a failure inside rolls all of it back."""

import pytest
from django.db import transaction
from django.utils import timezone

from audit import chain
from audit.vocabularies import ObjectType
from core.errors import ApplicationError
from referrals import services as rs
from referrals.models import Referral
from support import services as ss
from support.models import Contact, SupportTrack
from tests.referrals.builders import (
    Cast,
    assert_unchanged,
    referral_in_state,
    snapshot,
    track_in_state,
)
from transitions.runner import run_transition


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


@pytest.mark.django_db
def test_suspend_is_rolled_back_when_its_audit_event_fails(fail_audit_append):
    cast = Cast()
    referral = referral_in_state("in_support", cast)
    before = snapshot(referral)
    fail_audit_append()
    with pytest.raises(Boom), transaction.atomic():
        rs.referral_suspend(actor=cast.coordinator, referral=referral, reason="incarceration")
    assert Referral.objects.get(pk=referral.pk).state == "in_support"
    assert_unchanged(before, referral)


@pytest.mark.django_db
def test_take_is_rolled_back_when_its_audit_event_fails(fail_audit_append):
    cast = Cast()
    track = track_in_state("open", cast)
    before = snapshot(track.referral)
    fail_audit_append()
    with pytest.raises(Boom), transaction.atomic():
        ss.track_take(actor=cast.member, track=track)
    stored = SupportTrack.objects.get(pk=track.pk)
    assert (stored.state, stored.holder_id, stored.organisation_id) == ("open", None, None)
    assert_unchanged(before, track.referral)


@pytest.mark.django_db
def test_first_contact_is_rolled_back_when_the_contact_cannot_be_saved(monkeypatch):
    cast = Cast()
    track = track_in_state("assigned", cast)
    before = snapshot(track.referral)

    def broken_create(**kwargs):
        raise Boom("contact table unavailable")

    monkeypatch.setattr(Contact.objects, "create", broken_create)
    with pytest.raises(Boom), transaction.atomic():
        ss.track_record_first_contact(
            actor=cast.member, track=track, occurred_on=timezone.localdate(), kind="phone"
        )
    assert SupportTrack.objects.get(pk=track.pk).state == "assigned"
    assert_unchanged(before, track.referral)


@pytest.mark.django_db
def test_a_second_call_with_the_same_stale_object_is_refused():
    cast = Cast()
    referral = referral_in_state("in_support", cast)
    rs.referral_suspend(actor=cast.coordinator, referral=referral, reason="incarceration")
    before = snapshot(referral)
    with pytest.raises(ApplicationError) as refusal:
        rs.referral_suspend(actor=cast.coordinator, referral=referral, reason="incarceration")
    assert refusal.value.code == "invalid_state"
    assert_unchanged(before, referral)


@pytest.mark.django_db
def test_of_two_writers_that_read_the_same_state_only_the_first_succeeds():
    cast = Cast()
    referral = referral_in_state("in_support", cast)
    first, second = (Referral.objects.get(pk=referral.pk) for _ in range(2))

    def suspend(instance):
        with transaction.atomic():
            run_transition(
                instance=instance,
                name="suspend",
                actor=cast.coordinator,
                object_type=ObjectType.REFERRAL,
                reference=instance.reference,
                code="hospitalisation",
                args=("hospitalisation",),
            )

    suspend(first)
    before = snapshot(referral)
    with pytest.raises(ApplicationError) as refusal:
        suspend(second)  # still believes the referral is in support
    assert refusal.value.code == "concurrent"
    assert_unchanged(before, referral)
