"""benchmarks.dataset at a tiny size: the copies are valid data (the audit chain verifies,
every copied task belongs to a copied process, stays and counts agree)."""

import random
from contextlib import nullcontext

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.conftest import TWO_ROLES

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="benchmarks.dataset is PostgreSQL only"
    ),
]


def _as_owner():
    """benchmarks.dataset is an operator's tool run as the owner (it COPYs into the audit table
    and rebuilds indexes); where the suite runs as the restricted role, it gets the owner's
    credentials (every thread's connection shares the alias's settings)."""
    if not TWO_ROLES:
        return nullcontext()
    from audit.dbroles import owner_credentials

    return owner_credentials(connection, django_settings.DATABASE_OWNER)


def test_a_tiny_dataset_is_valid(settings, committed_reference_data):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with _as_owner():
        _build_and_check()


def _build_and_check():
    from audit.chain import verify
    from benchmarks import dataset
    from referrals.models import Referral, ReferralStay, StayDurationBucket
    from referrals.stays import buckets_rebuild
    from support.models import SupportTrack
    from workflows.flows import ReferralFlow

    rng = random.Random(3)
    people = dataset.People()
    dataset.create_people(people, 2, 2, 4, rng, "relais-bench", template=True)
    templates = dataset.build_templates(12, rng, people)
    dataset.create_people(people, 2, 2, 12, rng, "relais-bench")
    with dataset.bulk_load((*dataset.TABLES, "audit_auditevent")):
        counts = dataset.clone(60, 2, templates, people, rng)

    assert counts["referrals_referral"] == 60
    assert Referral.objects.count() == 72  # 12 templates + 60 copies
    assert verify().ok
    # Every referral has its process, every task its process, every support task its track.
    tasks = ReferralFlow.task_class._default_manager
    assert not tasks.exclude(process__artifact_object_id__in=Referral.objects.values("pk")).exists()
    support = tasks.filter(flow_task=ReferralFlow.support)
    assert set(support.values_list("artifact_object_id", flat=True)) <= set(
        SupportTrack.objects.values_list("pk", flat=True)
    )
    # Holders hold tracks of their declared domains.
    for track in SupportTrack.objects.exclude(holder=None).select_related("holder__member_profile"):
        assert track.domain in track.holder.member_profile.domains
    # The stays of terminal referrals are all closed; the counts match a recount.
    terminal = Referral.objects.filter(state__in=["returned", "closed", "withdrawn"])
    assert not ReferralStay.objects.filter(referral__in=terminal, left_at=None).exists()
    dataset.recount_buckets()
    counted = set(StayDurationBucket.objects.values_list("state", "hours", "stays"))
    buckets_rebuild()  # the Python recount (referrals.stays.hours)
    assert set(StayDurationBucket.objects.values_list("state", "hours", "stays")) == counted
    assert counted
