"""seed_demo publishes the releases of the ended demo periods (idempotent), so the strategic
group's demo account finds indicators."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from monitoring.models import IndicatorRelease
from monitoring.periods import current_quarter


@pytest.mark.django_db
def test_seed_demo_publishes_the_ended_periods(client):
    call_command("seed_demo", "--force", stdout=StringIO())
    last_ended = current_quarter().previous()
    released = IndicatorRelease.objects.filter(
        period_kind=last_ended.kind, period_start=last_ended.start
    )
    assert released.count() == 1
    count = IndicatorRelease.objects.count()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert IndicatorRelease.objects.count() == count  # idempotent

    client.force_login(get_user_model().objects.get(username="demo-strategic"))
    body = client.get(reverse("indicators:index")).content.decode()
    assert last_ended.label in body and "version 1" in body
