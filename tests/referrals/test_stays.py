"""Stored stays and duration counts (``referrals.stays``) stay consistent with the
transitions: written in the same transaction, rolled back with it, and equal to what the audit
chain says happened."""

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent
from core.errors import ApplicationError
from referrals import services as rs
from referrals.models import ReferralStay, StayDurationBucket
from referrals.stays import buckets_rebuild, hours
from referrals.vocabularies import TERMINAL_STATES
from tests.monitoring.builders import Clock
from tests.referrals.builders import Cast, referral_in_state, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    fake = Clock(datetime(2026, 1, 5, 9, 30, tzinfo=timezone.get_current_timezone()))
    monkeypatch.setattr(timezone, "now", fake.now)
    return fake


def stays_from_audit(referral_id):
    """(state, entered, left) of each stay, replayed from the referral's audit events."""
    events = list(
        AuditEvent.objects.filter(
            object_type="referral", object_id=referral_id, action__in=("create", "transition")
        ).order_by("seq")
    )
    result = []
    for current, following in zip(events, [*events[1:], None], strict=True):
        if current.to_state in TERMINAL_STATES:
            continue
        result.append((current.to_state, current.occurred_at, following and following.occurred_at))
    return result


def stored(referral_id):
    return [
        (s.state, s.entered_at, s.left_at)
        for s in ReferralStay.objects.filter(referral_id=referral_id).order_by("entered_at", "pk")
    ]


def bucket_counts():
    return {(b.state, b.hours): b.stays for b in StayDurationBucket.objects.all()}


def test_every_transition_moves_the_stays_like_the_audit_chain(clock):
    cast = Cast()
    referral = register(cast)
    steps = [
        lambda r: rs.referral_start_assessment(actor=cast.coordinator, referral=r),
        lambda r: rs.referral_open_support(actor=cast.coordinator, referral=r),
        lambda r: rs.referral_suspend(actor=cast.coordinator, referral=r, reason="hospitalisation"),
        lambda r: rs.referral_resume(actor=cast.coordinator, referral=r),
        lambda r: rs.referral_withdraw(actor=cast.cell, referral=r, reason="cell_decision"),
    ]
    for days, step in zip((2, 5, 30, 11, 3), steps, strict=True):
        clock.advance(days=days, minutes=17)
        step(referral)
        assert stored(referral.pk) == stays_from_audit(referral.pk)
        assert ReferralStay.objects.filter(referral=referral, left_at__isnull=True).count() <= 1
    # Withdrawn (terminal): no open stay; five finished stays, each counted once.
    assert not ReferralStay.objects.filter(referral=referral, left_at__isnull=True).exists()
    expected = {}
    for state, entered, left in stored(referral.pk):
        key = (state, hours(left - entered))
        expected[key] = expected.get(key, 0) + 1
    assert bucket_counts() == expected
    assert sum(expected.values()) == 5, expected
    assert expected.get(("in_support", 30 * 24 + 1)) == 1, expected  # 30 d 17 min: rounded up
    assert expected.get(("suspended", 11 * 24 + 1)) == 1, expected


def test_counts_rebuilt_from_the_stays_are_the_counts_kept_incrementally(clock):
    cast = Cast()
    for state in ("in_support", "suspended", "closed", "returned", "in_review"):
        referral_in_state(state, cast=cast)
        clock.advance(hours=7, minutes=3)
    kept = bucket_counts()
    assert kept  # not vacuous
    buckets_rebuild()
    assert bucket_counts() == kept


def test_a_refused_transition_leaves_stays_and_counts_unchanged(clock):
    cast = Cast()
    referral = referral_in_state("in_support", cast=cast)
    before = (stored(referral.pk), bucket_counts())
    clock.advance(days=1)
    with pytest.raises(ApplicationError):
        rs.referral_close(actor=cast.cell, referral=referral, code="goals_reached")
    assert (stored(referral.pk), bucket_counts()) == before


def test_a_transition_rolled_back_after_its_audit_event_leaves_no_stay(clock, monkeypatch):
    cast = Cast()
    referral = register(cast)
    before = (stored(referral.pk), bucket_counts())
    real = chain.append

    def fail_after(fields, **kwargs):
        real(fields, **kwargs)
        raise RuntimeError("after the append")

    monkeypatch.setattr(chain, "append", fail_after)
    clock.advance(days=2)
    # The service runs in its caller's transaction (core.transactions.joined), opened here
    # as workflows.services opens it.
    with pytest.raises(RuntimeError), transaction.atomic():
        rs.referral_start_assessment(actor=cast.coordinator, referral=referral)
    assert (stored(referral.pk), bucket_counts()) == before


def test_hours_round_up():
    assert hours(timedelta(0)) == 0
    assert hours(timedelta(microseconds=1)) == 1
    assert hours(timedelta(hours=3)) == 3
    assert hours(timedelta(hours=3, microseconds=1)) == 4
