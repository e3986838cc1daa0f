"""The referral list of the cell and the coordinator: every referral (closed and returned
included), search by reference, filters, sorting, keyset pagination with constant queries."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory.models import Commune
from referrals import services as rs
from tests.referrals.builders import Cast, registration_fields
from workflows import pages

TODAY = timezone.localdate()
REFERENCE = re.compile(r">(VAL-\d{4}-\d{4})</a>")


@pytest.fixture
def cast(db):
    return Cast()


def _register(cast, number, *, days_ago, domains=("social",), commune_index=0):
    communes = list(Commune.objects.order_by("name")[:3])
    received = TODAY - timedelta(days=days_ago)
    return rs.referral_register(
        actor=cast.cell,
        **registration_fields(
            reference=f"VAL-2026-{number:04d}",
            received_on=received,
            agreement_date=received,
            requested_domains=list(domains),
            commune=communes[commune_index],
        ),
    )


@pytest.fixture
def referrals(cast):
    made = [
        _register(cast, 101, days_ago=1),
        _register(cast, 102, days_ago=2, domains=("psychological",), commune_index=1),
        _register(cast, 103, days_ago=20),  # triage overdue (7 days)
        _register(cast, 104, days_ago=3, commune_index=2),
        _register(cast, 105, days_ago=4, domains=("psychological", "social")),
    ]
    rs.referral_withdraw(actor=cast.cell, referral=made[3], reason="cell_decision")
    return made


def _refs(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return REFERENCE.findall(response.content.decode())


def test_every_referral_newest_first_and_each_filter(client, cast, referrals):
    client.force_login(cast.coordinator)
    url = "/coordination/orientations/"
    assert _refs(client, url) == [
        "VAL-2026-0101",
        "VAL-2026-0102",
        "VAL-2026-0104",
        "VAL-2026-0105",
        "VAL-2026-0103",
    ]
    assert _refs(client, url, reference="0103") == ["VAL-2026-0103"]
    assert _refs(client, url, reference="val-2026-010") != []  # any case
    assert _refs(client, url, state="withdrawn") == ["VAL-2026-0104"]  # ended ones reachable
    assert _refs(client, url, domain="psychological") == ["VAL-2026-0102", "VAL-2026-0105"]
    second = Commune.objects.order_by("name")[1]
    assert _refs(client, url, commune=second.pk) == ["VAL-2026-0102"]
    assert _refs(client, url, overdue="on") == ["VAL-2026-0103"]
    assert _refs(client, url, sort="oldest")[0] == "VAL-2026-0103"
    assert _refs(client, url, sort="reference") == sorted(_refs(client, url))


def test_the_cell_has_the_same_list_with_its_own_case_links(client, cast, referrals):
    client.force_login(cast.cell)
    html = client.get("/cell/orientations/", {"reference": "0101"}).content.decode()
    assert f'href="/cell/orientations/{referrals[0].pk}/"' in html


def test_keyset_pages_cover_everything_once(client, cast, referrals, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    client.force_login(cast.coordinator)
    for sort in ("recent", "oldest", "reference"):
        seen, url = [], f"/coordination/orientations/?sort={sort}"
        for _ in range(5):
            html = unescape(client.get(url).content.decode())
            seen += REFERENCE.findall(html)
            found = re.search(r'href="(\?[^"]*after=[^"]*)">Page suivante', html)
            if not found:
                break
            url = "/coordination/orientations/" + found.group(1)
        assert sorted(seen) == sorted(r.reference for r in referrals), sort
        assert len(seen) == len(set(seen)) == 5


def test_queries_do_not_grow_with_the_number_of_referrals(client, cast, referrals):
    client.force_login(cast.coordinator)
    with CaptureQueriesContext(connection) as few:
        client.get("/coordination/orientations/")
    for number in range(200, 230):
        _register(cast, number, days_ago=5)
    with CaptureQueriesContext(connection) as many:
        client.get("/coordination/orientations/")
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"reference": "<script>"}, "ne contient que lettres, chiffres et tirets"),
        ({"after": "not-a-cursor"}, "Lien de page invalide"),
        ({"state": "exploded"}, "Sélectionnez un choix valide"),
        ({"sort": "password"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_filters_get_a_french_message(client, cast, referrals, params, message):
    client.force_login(cast.cell)
    response = client.get("/cell/orientations/", params)
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert REFERENCE.findall(response.content.decode()) == []
