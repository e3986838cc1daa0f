"""The event list: filters, newest first, keyset pagination without duplicates or gaps, French
messages for invalid filters."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from audit import services
from audit.models import AuditEvent
from audit.selectors import PAGE_SIZE
from tests.factories import AuditEventFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/audit/"


def seqs(response):
    assert response.status_code == 200, response.content.decode()[:2000]
    return [event.seq for event in response.context["page"].items]


def expected(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("-seq").values_list("seq", flat=True))


def walk_older(client, params=None):
    """Follow the "older" links from the first page; return every seq seen, in order."""
    params = dict(params or {})
    seen, pages = [], 0
    while True:
        response = client.get(URL, params)
        page = response.context["page"]
        seen += seqs(response)
        pages += 1
        assert len(page.items) <= PAGE_SIZE
        if page.older is None:
            return seen, pages, page
        params["before"] = page.older


def test_index_is_the_auditor_landing_page():
    assert reverse("audit:index") == URL


def test_newest_first_and_keyset_pages_cover_everything_once(auditor_client, make_events):
    make_events(2 * PAGE_SIZE + 17)
    seen, pages, _last = walk_older(auditor_client)
    assert seen == expected()  # newest first, no duplicate, no gap
    assert len(seen) == len(set(seen)) == AuditEvent.objects.count()
    assert pages == 3


def test_walking_back_with_newer_links(auditor_client, make_events):
    make_events(2 * PAGE_SIZE + 5)
    _seen, _pages, last = walk_older(auditor_client)
    back = list(last.items)
    params = {"after": last.newer}
    while True:
        response = auditor_client.get(URL, params)
        page = response.context["page"]
        back = list(page.items) + back
        if page.newer is None:
            break
        params = {"after": page.newer}
    assert [e.seq for e in back] == expected()


def test_new_events_during_browsing_do_not_shift_pages(auditor_client, make_events):
    make_events(PAGE_SIZE + 10)
    before_browsing = expected()
    first = auditor_client.get(URL)
    make_events(25)  # written while the auditor reads page 1
    second = auditor_client.get(URL, {"before": first.context["page"].older})
    assert seqs(first) + seqs(second) == before_browsing


def test_filters_with_pagination(auditor_client, make_events):
    for i in range(3 * PAGE_SIZE):
        AuditEventFactory(code="person_agreed" if i % 3 == 0 else "")
    seen, pages, _ = walk_older(auditor_client, {"code": "person_agreed"})
    assert seen == expected(code="person_agreed")
    assert len(seen) == PAGE_SIZE and pages == 1
    seen, pages, _ = walk_older(auditor_client, {"action": "transition", "code": "person_agreed"})
    assert seen == expected(code="person_agreed")


@pytest.fixture
def varied(db):
    alice = UserFactory(username="alice")
    AuditEventFactory(actor=alice, role="coordinator", reference="VAL-2026-0001")
    AuditEventFactory(
        role="cell_liaison",
        action="create",
        reference="VAL-2026-0002",
        transition="register",
        from_state="",
        to_state="received",
    )
    AuditEventFactory(
        actor=alice,
        role="coordinator",
        object_type="support_track",
        reference="VAL-2026-0001",
        transition="take",
        from_state="open",
        to_state="assigned",
        code="social",
    )
    AuditEventFactory(
        role="system",
        action="login_failed",
        object_type="session",
        reference="",
        transition="",
        from_state="",
        to_state="",
        code="unknown_username",
    )


@pytest.mark.parametrize(
    "params,filters",
    [
        ({"actor": "alice"}, {"actor_username": "alice"}),
        ({"role": "cell_liaison"}, {"role": "cell_liaison"}),
        ({"action": "login_failed"}, {"action": "login_failed"}),
        ({"object_type": "support_track"}, {"object_type": "support_track"}),
        ({"reference": "VAL-2026-0001"}, {"reference": "VAL-2026-0001"}),
        ({"reference": "val-2026-0001"}, {"reference": "VAL-2026-0001"}),
        ({"transition": "take"}, {"transition": "take"}),
        ({"code": "social"}, {"code": "social"}),
        (
            {"actor": "alice", "object_type": "referral"},
            {"actor_username": "alice", "object_type": "referral"},
        ),
        ({"actor": "nobody"}, {"actor_username": "nobody"}),
    ],
)
def test_each_filter(auditor_client, varied, params, filters):
    result = seqs(auditor_client.get(URL, params))
    assert result == expected(**filters)
    if params != {"actor": "nobody"}:
        assert result


def test_period_filter_uses_paris_days(auditor_client, monkeypatch):
    times = [
        datetime(2026, 3, 9, 22, 59, tzinfo=UTC),  # 9 March, 23:59 in Paris
        datetime(2026, 3, 9, 23, 1, tzinfo=UTC),  # 10 March, 00:01 in Paris
        datetime(2026, 3, 10, 22, 30, tzinfo=UTC),  # 10 March, 23:30 in Paris
        datetime(2026, 3, 11, 12, 0, tzinfo=UTC),
    ]
    made = []
    for when in times:
        monkeypatch.setattr(services.timezone, "now", lambda when=when: when)
        made.append(AuditEventFactory().seq)
    monkeypatch.undo()
    first, second, third, fourth = made
    tenth = seqs(auditor_client.get(URL, {"since": "2026-03-10", "until": "2026-03-10"}))
    assert tenth == [third, second]
    since = seqs(auditor_client.get(URL, {"since": "2026-03-10"}))
    assert {second, third, fourth} <= set(since) and first not in since
    assert first in seqs(auditor_client.get(URL, {"until": "2026-03-09"}))
    assert second not in seqs(auditor_client.get(URL, {"until": "2026-03-09"}))
    assert fourth not in seqs(auditor_client.get(URL, {"until": "2026-03-10"}))


@pytest.mark.parametrize(
    "params,message",
    [
        ({"since": "2026-13-45"}, "Saisissez une date valide"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "La date de début doit précéder"),
        ({"until": "0001-01-01"}, "Choisissez une date entre"),
        ({"role": "boss"}, "Sélectionnez un choix valide"),
        ({"action": "drop_table"}, "Sélectionnez un choix valide"),
        ({"object_type": "<script>"}, "Sélectionnez un choix valide"),
        ({"reference": "Jean Dupont"}, "Référence invalide"),
        ({"transition": "DROP TABLE"}, "Sélectionnez un choix valide"),
        ({"code": "x" * 65}, "Sélectionnez un choix valide"),
        ({"actor": "a b"}, "Saisissez un nom d’utilisateur valide"),
        ({"before": "abc"}, "Saisissez un nombre entier"),
        ({"before": "99999999999999999999999"}, "inférieure ou égale"),
        ({"after": "-1"}, "supérieure ou égale"),
    ],
)
def test_invalid_filters_give_a_french_message(auditor_client, params, message):
    response = auditor_client.get(URL, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body, body[:3000]
    assert "Le filtre contient des valeurs invalides" in body


def test_the_list_shows_codes_and_labels(auditor_client, varied):
    body = auditor_client.get(URL).content.decode()
    assert "VAL-2026-0001" in body
    assert "Échec de connexion" in body
    assert 'href="/audit/export/csv/"' in body


def test_export_links_carry_the_current_filter(auditor_client, varied):
    body = auditor_client.get(URL, {"reference": "VAL-2026-0001", "role": "coordinator"})
    html = body.content.decode()
    assert "/audit/export/csv/?role=coordinator&amp;reference=VAL-2026-0001" in html


def test_codes_show_their_french_labels_and_filters_list_them(auditor_client, varied):
    html = auditor_client.get(URL).content.decode()
    assert "Prendre en charge" in html  # transition "take"
    assert "À prendre → Pris en charge" in html  # states open → assigned of a track
    assert "Social" in html  # code "social" of a track
    assert "Identifiant inconnu" in html  # login failure code
    assert "<code>take</code>" not in html and "open → assigned" not in html
    # The transition and code filters are select lists of labelled codes.
    assert '<select name="transition"' in html and '<option value="close">Clôturer</option>' in html
    assert '<select name="code"' in html and "Objectifs atteints" in html
