"""Closing a referral's open stay reads one index entry (``stay_open_referral``), however many
stays the referral had and however many stays are open elsewhere (EXPLAIN, PostgreSQL)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from referrals.models import ReferralStay
from tests.referrals.builders import referral_in_state

pytestmark = pytest.mark.django_db


def test_the_open_stay_of_a_referral_is_found_by_its_index(on_postgres):
    mine, other = referral_in_state("in_support"), referral_in_state("in_support")
    start = timezone.now() - timedelta(days=400)
    ReferralStay.objects.bulk_create(
        [
            ReferralStay(
                referral=mine,
                state="suspended" if i % 2 else "in_support",
                entered_at=start + timedelta(hours=2 * i),
                left_at=start + timedelta(hours=2 * i + 1),
            )
            for i in range(3000)
        ]
        + [
            ReferralStay(referral=other, state="in_support", entered_at=start + timedelta(hours=i))
            for i in range(3000)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referralstay")
        cursor.execute(
            "EXPLAIN UPDATE referrals_referralstay SET left_at = now() "
            "WHERE referral_id = %s AND left_at IS NULL",
            [mine.pk],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "stay_open_referral" in plan, plan
