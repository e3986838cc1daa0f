"""Sessions end after inactivity and after a working day; request ids are made by the server."""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.middleware import SESSION_STARTED_KEY
from audit.models import AuditEvent
from core.roles import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_inactivity_limit_is_a_renewed_cookie_age():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.RELAIS_SESSION_MAX_SECONDS == 8 * 60 * 60


def test_a_session_older_than_a_working_day_is_closed_and_recorded(client):
    user = user_with_role(Role.AUDITOR, username="aud")
    client.force_login(user)
    assert client.get("/audit/").status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - settings.RELAIS_SESSION_MAX_SECONDS - 1
    session.save()
    response = client.get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert AuditEvent.objects.order_by("-seq").first().action == "logout"
    assert client.get("/audit/").status_code == 302


def test_a_client_request_id_is_never_trusted(client):
    user = user_with_role(Role.AUDITOR, username="aud")
    client.force_login(user)
    forged = "0123456789abcdef0123456789abcdef"
    response = client.get("/audit/", HTTP_X_REQUEST_ID=forged)
    assert response["X-Request-ID"] != forged and len(response["X-Request-ID"]) == 32
    client.post(reverse("logout"), HTTP_X_REQUEST_ID=forged)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "logout"
    assert event.request_id != forged and len(event.request_id) == 32
