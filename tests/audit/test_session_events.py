"""Login, logout and failed login are recorded in the chain — never the password, and the
attempted username only when it names an existing account."""

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from audit import chain
from audit.models import AuditEvent
from core.roles import Role
from tests.factories import PASSWORD, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def last():
    return AuditEvent.objects.order_by("-seq").first()


def everything_stored(event) -> str:
    return " ".join(str(getattr(event, name)) for name in (*chain.FIELDS, "hash"))


def test_login_is_recorded_with_role_request_and_ip(client):
    user = user_with_role(Role.COORDINATOR, username="coord")
    response = client.post(
        reverse("login"), {"username": "coord", "password": PASSWORD}, REMOTE_ADDR="192.0.2.10"
    )
    assert response.status_code == 302
    event = last()
    assert (event.action, event.object_type, event.object_id) == ("login", "session", user.pk)
    assert (event.actor_id, event.actor_username, event.role) == (user.pk, "coord", "coordinator")
    assert event.client_ip == "192.0.2.10"
    assert len(event.request_id) == 32
    assert PASSWORD not in everything_stored(event)


def test_logout_is_recorded(client):
    user = user_with_role(Role.AUDITOR, username="aud")
    client.force_login(user)
    client.post(reverse("logout"))
    event = last()
    assert (event.action, event.actor_id, event.role) == ("logout", user.pk, "auditor")


def test_staff_without_role_and_user_without_role(client):
    admin = UserFactory(username="adm", is_staff=True)
    client.force_login(admin)
    assert last().role == "administrator"
    client.force_login(UserFactory(username="nobody"))
    assert last().role == "no_role"


def test_failed_login_of_an_existing_account(client):
    user = UserFactory(username="alice")
    response = client.post(reverse("login"), {"username": "alice", "password": "Secret-1234!"})
    assert response.status_code == 200
    event = last()
    assert (event.action, event.role, event.code) == (
        "login_failed",
        "anonymous",
        "bad_credentials",
    )
    assert (event.actor_id, event.actor_username) == (None, "alice")
    assert (event.object_type, event.object_id) == ("user", user.pk)
    assert "Secret-1234!" not in everything_stored(event)


def test_failed_login_with_an_unknown_username_stores_no_username(client):
    client.post(reverse("login"), {"username": "MyP4ssw0rd", "password": "x"})
    event = last()
    assert (event.action, event.code, event.actor_username) == (
        "login_failed",
        "unknown_username",
        "",
    )
    assert "MyP4ssw0rd" not in everything_stored(event)


@pytest.mark.parametrize(
    "attempt", ["jean dupont", "x" * 151, "<script>alert(1)</script>", "a\nb", "é'; DROP"]
)
def test_failed_login_with_an_invalid_username_stores_a_placeholder(client, attempt):
    client.post(reverse("login"), {"username": attempt, "password": "x"})
    event = last()
    assert (event.action, event.code, event.actor_username) == (
        "login_failed",
        "invalid_username",
        "",
    )
    assert attempt not in everything_stored(event)
    assert chain.verify().ok


def test_failed_login_outside_a_request(db):
    UserFactory(username="bob")
    assert authenticate(username="bob", password="wrong") is None
    event = last()
    assert (event.code, event.actor_username, event.client_ip) == ("bad_credentials", "bob", None)


def test_admin_login_failures_are_recorded_too(client):
    client.post("/admin/login/", {"username": "ghost", "password": "x"})
    assert last().code == "unknown_username"
