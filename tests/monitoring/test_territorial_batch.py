"""The territorial indicators of a period are entered as one batch: one service, one
transaction. A failure part-way leaves nothing saved (it was one transaction per indicator,
so the first ones stayed)."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.roles import Role
from monitoring import services
from monitoring.models import TerritorialIndicator
from monitoring.periods import current_quarter
from tests.factories import UserFactory


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_a_failure_part_way_saves_none_of_the_batch(client, monkeypatch):
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    client.force_login(coordinator)
    real = services.audit_record
    calls = {"n": 0}

    def second_fails(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Boom("audit chain unavailable")
        return real(**kwargs)

    monkeypatch.setattr(services, "audit_record", second_fails)
    url = reverse("indicators:territorial") + f"?period={current_quarter().code}"
    events = AuditEvent.objects.count()
    with pytest.raises(Boom):
        client.post(url, {"trainings": "2", "community_tensions": "low"})
    assert TerritorialIndicator.objects.count() == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_the_batch_service_writes_the_changed_values_only():
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    period = current_quarter()
    assert (
        services.territorial_indicators_set(
            actor=coordinator, period=period, values={"trainings": 2, "association_concerns": None}
        )
        == 1
    )
    assert (
        services.territorial_indicators_set(
            actor=coordinator, period=period, values={"trainings": 2, "community_tensions": "low"}
        )
        == 1
    )
    assert sorted(TerritorialIndicator.objects.values_list("indicator", flat=True)) == [
        "community_tensions",
        "trainings",
    ]
