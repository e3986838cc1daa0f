"""Login and logout are recorded in the chain — never the password. Failed logins are
recorded once per lockout (tests/accounts/test_lockout.py)."""

import pytest
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


def test_a_failed_password_alone_writes_no_event(client):
    # Failures are counted by django-axes; the chain gets one event per lockout
    # (tests/accounts/test_lockout.py), so a brute force cannot flood it.
    UserFactory(username="alice")
    before = AuditEvent.objects.count()
    response = client.post(reverse("login"), {"username": "alice", "password": "Secret-1234!"})
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before
