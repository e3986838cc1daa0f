"""CSV exports are audit events, like the auditors' exports: the delegates' dashboard (exact
counts) and the strategic group's released indicators. Viewing the pages writes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.chain import verify
from audit.models import AuditEvent
from core.roles import Role
from monitoring.models import IndicatorRelease, ReleaseTrigger
from monitoring.services import indicator_releases_publish
from tests.factories import UserFactory


def exports():
    return list(AuditEvent.objects.filter(action="export").order_by("seq"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.STATE_DELEGATE, Role.COORDINATOR])
def test_dashboard_exports_are_audited(client, role):
    user = UserFactory(roles=[role])
    client.force_login(user)
    client.get(reverse("monitoring:index"))
    assert not exports()
    assert client.get(reverse("monitoring:export", args=["referrals-by-state"])).status_code == 200
    assert (
        client.get(reverse("monitoring:export", args=["all"]) + "?period=2026-Q1").status_code
        == 200
    )
    first, second = exports()
    assert (first.object_type, first.code, first.role, first.actor_id) == (
        "monitoring_table",
        "referrals_by_state",
        str(role),
        user.pk,
    )
    assert (second.object_type, second.code) == ("monitoring_table", "all")
    assert verify().ok


@pytest.mark.django_db
def test_a_refused_export_writes_nothing(client):
    client.force_login(UserFactory(roles=[Role.STATE_DELEGATE]))
    assert client.get(reverse("monitoring:export", args=["nope"])).status_code == 404
    assert client.get(reverse("monitoring:export", args=["all"]) + "?period=x").status_code == 400
    assert not exports()


@pytest.mark.django_db
def test_indicator_exports_are_audited_with_their_release(client):
    indicator_releases_publish(trigger=ReleaseTrigger.COMMAND, years=[2025])
    user = UserFactory(roles=[Role.STRATEGIC_GROUP])
    client.force_login(user)
    client.get(reverse("indicators:index") + "?period=2025")
    assert not exports()
    response = client.get(reverse("indicators:export", args=["age-bracket"]) + "?period=2025")
    assert response.status_code == 200
    assert "relais-indicateurs-2025-v1-age-bracket.csv" in response["Content-Disposition"]
    [event] = exports()
    release = IndicatorRelease.objects.get(period_kind="year")
    assert (event.object_type, event.object_id, event.code, event.role) == (
        "indicator_release",
        release.pk,
        "age_bracket",
        "strategic_group",
    )
