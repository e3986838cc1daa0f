"""django-auditlog on reference data: entries with the actor of the request (its middleware),
passwords fully masked, visible read-only to auditors in the workspace."""

import json

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from audit.selectors import PAGE_SIZE
from core.roles import Role
from directory.models import Commune, Organisation
from tests.factories import MemberProfileFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/audit/history/"


@pytest.fixture
def staff(db):
    user = UserFactory(username="gestionnaire", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return user, client


def entries_for(obj):
    return LogEntry.objects.get_for_object(obj).order_by("id")


def test_admin_change_of_an_organisation_has_the_staff_user_as_actor(staff):
    user, client = staff
    organisation = OrganisationFactory(name="Association Exemple")
    response = client.post(
        f"/admin/directory/organisation/{organisation.pk}/change/",
        {"name": "Association Exemple (renommée)", "kind": "public_body", "active": "on"},
    )
    assert response.status_code == 302
    entry = entries_for(organisation).last()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == user
    assert entry.changes["name"] == ["Association Exemple", "Association Exemple (renommée)"]
    assert entry.changes["kind"] == ["association", "public_body"]
    assert entry.remote_addr is None  # never taken from a spoofable header


def test_changes_by_code_have_the_actor_of_set_actor(db):
    actor = UserFactory(username="script-admin")
    with set_actor(actor):
        commune = Commune.objects.get(insee_code="59606")
        commune.active = False
        commune.save()
        profile = MemberProfileFactory()
    assert entries_for(commune).last().actor == actor
    assert entries_for(profile).first().action == LogEntry.Action.CREATE


def test_passwords_are_fully_masked(db):
    user = UserFactory(username="secretive")
    old_hash = user.password
    user.set_password("Un-nouveau-secret-42")
    user.save()
    entry = entries_for(user).last()
    assert entry.changes["password"] == ["********", "********"]
    dumped = json.dumps(entry.changes) + json.dumps(entry.serialized_data or {})
    for secret in (old_hash, user.password, "Un-nouveau-secret-42"):
        assert secret not in dumped
        # not even half of it, as django-auditlog's default mask would leave
        assert secret[len(secret) // 2 :] not in dumped


def test_group_membership_is_logged_with_actor(db):
    actor = UserFactory(username="chef")
    user = UserFactory(username="recrue")
    with set_actor(actor):
        user.groups.add(Group.objects.get(name=Role.AUDITOR))
    entry = entries_for(user).last()
    assert entry.actor == actor
    assert entry.changes["groups"]["operation"] == "add"
    assert entry.changes["groups"]["objects"] == ["auditor"]


def test_history_page_shows_type_object_action_changes_actor(auditor_client, staff):
    user, client = staff
    organisation = OrganisationFactory(name="Centre Test")
    client.post(
        f"/admin/directory/organisation/{organisation.pk}/change/",
        {"name": "Centre Test 2", "kind": "other", "active": "on"},
    )
    response = auditor_client.get(URL)
    assert response.status_code == 200
    row = response.context["page"].items[0]
    assert row.entry.object_id == organisation.pk
    assert row.type_label == "Organisation partenaire"
    assert row.action_label == "Modification"
    assert ("nom", "Centre Test → Centre Test 2") in row.changes
    body = response.content.decode()
    assert "Centre Test 2" in body and "gestionnaire" in body


def test_history_page_masks_passwords(auditor_client):
    user = UserFactory(username="cible")
    user.set_password("Encore-un-secret-99")
    user.save()
    body = auditor_client.get(URL).content.decode()
    assert "********" in body
    assert user.password not in body and user.password[-20:] not in body


def test_history_filters_and_keyset_pagination(auditor_client):
    for i in range(PAGE_SIZE + 15):
        OrganisationFactory(name=f"Org {i:03d}")
    organisation_ct = ContentType.objects.get_for_model(Organisation)
    expected = list(
        LogEntry.objects.filter(content_type=organisation_ct)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    seen, params = [], {"model": "directory.organisation"}
    while True:
        page = auditor_client.get(URL, params).context["page"]
        seen += [row.entry.id for row in page.items]
        if page.older is None:
            break
        params["before"] = page.older
    assert seen == expected
    one = Organisation.objects.get(name="Org 007")
    page = auditor_client.get(URL, {"object_id": one.pk, "model": "directory.organisation"})
    assert [row.entry.object_id for row in page.context["page"].items] == [one.pk]


@pytest.mark.parametrize(
    "params,message",
    [
        ({"model": "auth.permission"}, "Sélectionnez un choix valide"),
        ({"object_id": "abc"}, "Saisissez un nombre entier"),
        ({"action": "9"}, "Sélectionnez un choix valide"),
        ({"before": "-3"}, "supérieure ou égale"),
    ],
)
def test_history_invalid_filters(auditor_client, params, message):
    response = auditor_client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_history_page_has_no_way_to_change_anything(auditor_client):
    OrganisationFactory()
    assert auditor_client.post(URL, {}).status_code == 405
    body = auditor_client.get(URL).content.decode()
    assert body.count('method="post"') == 1  # the logout button of the page menu
    assert 'action="/accounts/logout/"' in body
