"""Territorial indicators: entered by the coordinator through one audited service, never twice."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.chain import verify
from audit.models import AuditEvent
from core.errors import ApplicationError
from core.roles import Role
from monitoring.demo import demo_seed_indicators
from monitoring.models import TerritorialIndicator
from monitoring.periods import current_quarter, parse_period
from monitoring.services import territorial_indicator_set, territorial_indicators_set
from tests.factories import UserFactory


@pytest.fixture
def coordinator(db):
    return UserFactory(roles=[Role.COORDINATOR])


def events():
    return list(AuditEvent.objects.filter(object_type="territorial_indicator").order_by("seq"))


@pytest.mark.django_db
def test_setting_twice_updates_one_row_with_two_audit_events(coordinator):
    period = current_quarter()
    first = territorial_indicator_set(
        actor=coordinator, period=period, indicator="trainings", value=2
    )
    second = territorial_indicator_set(
        actor=coordinator, period=period.code, indicator="trainings", value=5
    )
    assert first.pk == second.pk
    row = TerritorialIndicator.objects.get()
    assert (row.count, row.answer, row.entered_by) == (5, "", coordinator)
    assert [(e.action, e.transition, e.code, e.object_id, e.role) for e in events()] == [
        ("create", "set_indicator", "trainings", row.pk, "coordinator"),
        ("update", "set_indicator", "trainings", row.pk, "coordinator"),
    ]
    assert all(e.actor_id == coordinator.pk for e in events())
    assert verify().ok


@pytest.mark.django_db
def test_each_indicator_and_period_has_its_own_row(coordinator):
    q = parse_period("2026-Q1", today=date(2026, 5, 1))
    territorial_indicator_set(
        actor=coordinator, period=q, indicator="community_tensions", value="high"
    )
    territorial_indicator_set(
        actor=coordinator, period=q, indicator="association_concerns", value="yes"
    )
    territorial_indicator_set(
        actor=coordinator,
        period=parse_period("2026", today=date(2026, 5, 1)),
        indicator="community_tensions",
        value="none",
    )
    assert TerritorialIndicator.objects.count() == 3
    assert len(events()) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role if r != Role.COORDINATOR])
def test_only_the_coordinator_may_set(role):
    user = UserFactory(roles=[role])
    with pytest.raises(ApplicationError, match="Seul le coordinateur"):
        territorial_indicator_set(
            actor=user, period=current_quarter(), indicator="trainings", value=1
        )
    assert not TerritorialIndicator.objects.exists()
    assert not events()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("indicator", "value", "message"),
    [
        ("trainings", "3", "nombre entier"),
        ("trainings", True, "nombre entier"),
        ("trainings", -1, "compris entre 0 et"),
        ("trainings", 10_001, "compris entre 0 et"),
        ("community_tensions", "yes", "choisissez une réponse"),
        ("community_tensions", 2, "choisissez une réponse"),
        ("association_concerns", "moderate", "choisissez une réponse"),
        ("institution_testimonies", "un texte libre", "choisissez une réponse"),
        ("free_text", "yes", "Indicateur inconnu"),
    ],
)
def test_values_follow_the_indicator(coordinator, indicator, value, message):
    with pytest.raises(ApplicationError, match=message):
        territorial_indicator_set(
            actor=coordinator, period=current_quarter(), indicator=indicator, value=value
        )
    assert not TerritorialIndicator.objects.exists()
    assert not events()


@pytest.mark.django_db
def test_future_or_bad_period_is_refused(coordinator):
    with pytest.raises(ApplicationError, match="pas encore commencé"):
        territorial_indicator_set(
            actor=coordinator, period=current_quarter().next(), indicator="trainings", value=1
        )
    with pytest.raises(ApplicationError, match="Période inconnue"):
        territorial_indicator_set(
            actor=coordinator, period="bientôt", indicator="trainings", value=1
        )
    assert not TerritorialIndicator.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_duplicates_and_mismatched_values(coordinator):
    period = current_quarter()
    row = territorial_indicator_set(
        actor=coordinator, period=period, indicator="trainings", value=1
    )
    base = {
        "period_kind": period.kind,
        "period_start": period.start,
        "entered_by": coordinator,
        "entered_at": timezone.now(),
    }
    for fields in (
        {"indicator": "trainings", "count": 4},  # duplicate
        {"indicator": "community_tensions", "answer": "yes"},  # wrong vocabulary
        {"indicator": "community_tensions", "answer": "low", "count": 3},  # both
        {"indicator": "association_concerns"},  # neither
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            TerritorialIndicator.objects.create(**base, **fields)
    assert TerritorialIndicator.objects.get() == row


@pytest.mark.django_db
def test_entry_page_creates_then_updates_through_the_service(client, coordinator):
    client.force_login(coordinator)
    period = current_quarter()
    url = reverse("indicators:territorial") + f"?period={period.code}"
    response = client.post(
        url, {"trainings": "2", "community_tensions": "low", "association_concerns": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == url
    assert TerritorialIndicator.objects.count() == 2
    assert len(events()) == 2

    # Same values again: nothing to record. A changed value: one update, one event.
    client.post(url, {"trainings": "2", "community_tensions": "low"})
    assert len(events()) == 2
    client.post(url, {"trainings": "7", "community_tensions": "low"})
    assert TerritorialIndicator.objects.count() == 2
    assert [e.action for e in events()] == ["create", "create", "update"]
    assert TerritorialIndicator.objects.get(indicator="trainings").count == 7

    page = client.get(url).content.decode()
    assert 'value="7"' in page  # the form shows what was entered
    assert '<option value="low" selected>' in page


@pytest.mark.django_db
def test_demo_seed_is_idempotent(db):
    from directory.demo import demo_seed_directory

    demo_seed_directory(password="demo-password-123")
    assert demo_seed_indicators() == 8
    assert demo_seed_indicators() == 0
    assert TerritorialIndicator.objects.count() == 8
    assert len(events()) == 8
    current = current_quarter()
    assert TerritorialIndicator.objects.filter(period_start=current.start).count() == 4
    assert verify().ok


@pytest.mark.django_db
def test_a_batch_is_saved_all_or_nothing(coordinator):
    """One form, one service, one transaction: a refused value rolls back the others."""
    with pytest.raises(ApplicationError):
        territorial_indicators_set(
            actor=coordinator,
            period=current_quarter(),
            values={"community_tensions": "low", "trainings": 10_001},
        )
    assert not TerritorialIndicator.objects.exists()
    assert not events()
    changed = territorial_indicators_set(
        actor=coordinator,
        period=current_quarter(),
        values={"community_tensions": "low", "trainings": 3, "association_concerns": ""},
    )
    assert changed == 2 and TerritorialIndicator.objects.count() == 2 and len(events()) == 2
