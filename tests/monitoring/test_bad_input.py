"""Unknown periods, filters or table names: a French message, never a server error."""

import pytest
from django.urls import reverse

from core.roles import Role
from monitoring.models import TerritorialIndicator
from tests.factories import UserFactory


@pytest.fixture
def delegate(client, db):
    client.force_login(UserFactory(roles=[Role.STATE_DELEGATE]))
    return client


@pytest.fixture
def strategic(client, db):
    client.force_login(UserFactory(roles=[Role.STRATEGIC_GROUP]))
    return client


@pytest.fixture
def coordinator(client, db):
    user = UserFactory(roles=[Role.COORDINATOR])
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?period=2026-Q9", "Un trimestre est numéroté de 1 à 4."),
        ("?period=hier", "Période inconnue : utilisez par exemple 2026-Q3, 2026-S2 ou 2026."),
        ("?period=2099", "n&#x27;a pas encore commencé"),
        ("?commune=99999", "Commune inconnue : choisissez-la dans la liste."),
        ("?commune=%27%3B--", "Commune inconnue : choisissez-la dans la liste."),
        ("?domain=spiritual", "Domaine inconnu : choisissez-le dans la liste."),
        ("?domain=social&period=2026-S7", "Un semestre est numéroté 1 ou 2."),
    ],
)
@pytest.mark.parametrize(
    "url_name,args", [("monitoring:index", ()), ("monitoring:export", ("all",))]
)
def test_dashboard_bad_filters(delegate, query, message, url_name, args):
    response = delegate.get(reverse(url_name, args=args) + query)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Les valeurs demandées ne sont pas valides" in body
    assert message in body
    assert 'id="table-' not in body  # no half-filtered data


@pytest.mark.parametrize(
    "query", ["?period=2026-Q0", "?period=abc", "?period=3000", "?period=2026-S%00"]
)
@pytest.mark.parametrize(
    "url_name,args",
    [("indicators:index", ()), ("indicators:print", ()), ("indicators:export", ("all",))],
)
def test_indicators_bad_period(strategic, query, url_name, args):
    response = strategic.get(reverse(url_name, args=args) + query)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Les valeurs demandées ne sont pas valides" in body
    assert 'id="table-' not in body


def test_unknown_table_is_a_404(delegate):
    assert delegate.get(reverse("monitoring:export", args=["salaries"])).status_code == 404


def test_unknown_indicator_table_is_a_404(strategic):
    assert strategic.get(reverse("indicators:export", args=["names"])).status_code == 404


def test_territorial_entry_bad_period(coordinator):
    response = coordinator.get(reverse("indicators:territorial") + "?period=2026-Q8")
    assert response.status_code == 400
    assert "Un trimestre est numéroté de 1 à 4." in response.content.decode()
    response = coordinator.post(
        reverse("indicators:territorial") + "?period=2099-Q1", {"trainings": "2"}
    )
    assert response.status_code == 400
    assert not TerritorialIndicator.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"trainings": "beaucoup"}, "Indiquez un nombre entier."),
        ({"trainings": "-1"}, "supérieure ou égale à 0"),
        ({"trainings": "100000"}, "inférieure ou égale à 10000"),
        ({"community_tensions": "yes"}, "Réponse inconnue : choisissez-la dans la liste."),
        ({"association_concerns": "high"}, "Réponse inconnue : choisissez-la dans la liste."),
        ({"association_concerns": "Des jeunes se plaignent"}, "Réponse inconnue"),
    ],
)
def test_territorial_entry_bad_values(coordinator, data, message):
    response = coordinator.post(reverse("indicators:territorial"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TerritorialIndicator.objects.exists()
