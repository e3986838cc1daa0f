"""Stays of a referral in its non-terminal states, kept by the referral services in the
transaction of each state change: the stay of the state left is closed at the time of the
change (and counted in ``StayDurationBucket``, by whole hours rounded up), a stay of the state
entered is opened (terminal states have none).

On PostgreSQL the three writes are one statement (data-modifying CTEs), so a transition costs
one extra round trip, not three.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import F

from referrals.models import ReferralStay, StayDurationBucket
from referrals.vocabularies import TERMINAL_STATES

_TERMINAL = {str(s) for s in TERMINAL_STATES}

# Whole hours, rounded up, of an interval: the resolution of the dashboard's time in state.
PG_HOURS = "CEIL(EXTRACT(EPOCH FROM ({interval})) / 3600)::bigint"

# The three writes as common table expressions: sent with the statement that also updates
# the referral and appends its audit event (transitions.runner), or alone (``stay_move``).
# Parameters: ``_move_params``.
_MOVE_CTES = f"""
stay_closed AS (
    UPDATE referrals_referralstay SET left_at = %s
    WHERE referral_id = %s AND left_at IS NULL
    RETURNING state, {PG_HOURS.format(interval="left_at - entered_at")} AS hours
), stay_counted AS (
    INSERT INTO referrals_staydurationbucket (state, hours, stays)
    SELECT state, hours, 1 FROM stay_closed
    ON CONFLICT (state, hours) DO UPDATE SET stays = referrals_staydurationbucket.stays + 1
), stay_opened AS (
    INSERT INTO referrals_referralstay (referral_id, state, entered_at, left_at)
    SELECT %s, %s, %s, NULL WHERE %s
)
"""


def _move_params(*, referral_id: int, state: str, at: datetime) -> list:
    return [at, referral_id, referral_id, state, at, state not in _TERMINAL]


def stays_companion(referral, *, together: bool):
    """The stay writes of a referral's transition, for ``run_transition(companion=…)``:
    CTEs of the transition's statement (``together``), or written now."""
    at, state = referral.state_changed_at, str(referral.state)
    if not together:
        stay_move(referral_id=referral.pk, to_state=state, at=at)
        return None
    return _MOVE_CTES, _move_params(referral_id=referral.pk, state=state, at=at)


def hours(duration: timedelta) -> int:
    """Whole hours of ``duration``, rounded up (as ``PG_HOURS``)."""
    micro = duration // timedelta(microseconds=1)
    return max(0, -(-micro // 3_600_000_000))


def stay_move(*, referral_id: int, to_state: str, at: datetime) -> None:
    """Close the referral's open stay (if any) at ``at`` and count its duration, then open a
    stay in ``to_state`` (unless it is terminal). Must run in the transaction of the state
    change, which holds the referral's row lock."""
    state = str(to_state)
    if connection.vendor == "postgresql":
        # Data-modifying CTEs run whether or not the main query reads them.
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH {_MOVE_CTES} SELECT 1",
                _move_params(referral_id=referral_id, state=state, at=at),
            )
        return
    for stay in ReferralStay.objects.filter(referral_id=referral_id, left_at__isnull=True):
        ReferralStay.objects.filter(pk=stay.pk).update(left_at=at)
        bucket = {"state": stay.state, "hours": hours(at - stay.entered_at)}
        if not StayDurationBucket.objects.filter(**bucket).update(stays=F("stays") + 1):
            StayDurationBucket.objects.create(stays=1, **bucket)
    if state not in _TERMINAL:
        ReferralStay.objects.create(referral_id=referral_id, state=state, entered_at=at)


def buckets_rebuild() -> int:
    """Recount ``StayDurationBucket`` from the stored stays (after a bulk load, or to check
    it: the counts must not change). Returns the number of buckets."""
    counts: dict[tuple[str, int], int] = {}
    finished = ReferralStay.objects.filter(left_at__isnull=False).values_list(
        "state", "entered_at", "left_at"
    )
    for state, entered_at, left_at in finished.iterator(chunk_size=10_000):
        key = (state, hours(left_at - entered_at))
        counts[key] = counts.get(key, 0) + 1
    StayDurationBucket.objects.all().delete()
    StayDurationBucket.objects.bulk_create(
        [StayDurationBucket(state=s, hours=h, stays=n) for (s, h), n in counts.items()],
        batch_size=5000,
    )
    return len(counts)
