"""« Mon compte » and the password pages: in French, in the product's frame, reachable from
the account menu and the login page, and audited."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from core.roles import Role
from tests.factories import PASSWORD, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Un-nouveau-mot-de-passe-42"  # noqa: S105


def test_login_page_offers_password_reset(client):
    body = client.get(reverse("login")).content.decode()
    assert "Mot de passe oublié ?" in body
    assert reverse("password_reset") in body


@pytest.mark.parametrize("role", [*Role.values, "staff", "none"])
def test_every_account_reaches_mon_compte_from_the_menu(client, role):
    if role == "staff":
        user = UserFactory(username="adm", is_staff=True)
    elif role == "none":
        user = UserFactory(username="nobody")
    else:
        user = user_with_role(role, username=f"u-{role}")
    client.force_login(user)
    response = client.get(reverse("account:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mon compte" in body and "Deuxième facteur" in body
    assert "Administration de Django" not in body
    # The account menu of every page of the site links to it.
    assert 'href="/account/"' in body and "Se déconnecter" in body


def test_anonymous_is_sent_to_login_from_account_pages(client):
    for name in ("account:index", "account:password_change"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_password_change_in_the_frame_and_recorded(client):
    user = user_with_role(Role.MEMBER, username="m")
    client.force_login(user)
    page = client.get(reverse("account:password_change"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Changer de mot de passe" in body
    assert "Administration de Django" not in body and 'href="/admin/"' not in body
    assert "&lt;ul&gt;" not in body and "<ul><li>" not in body  # help text as plain text
    response = client.post(
        reverse("account:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.filter(action="password_change").get()
    assert (event.actor_id, event.object_type, event.object_id, event.role) == (
        user.pk,
        "user",
        user.pk,
        "member",
    )
    assert NEW_PASSWORD not in str(event.__dict__)


def test_admin_password_change_goes_to_mon_compte(client):
    client.force_login(UserFactory(username="adm", is_staff=True))
    response = client.get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == reverse(
        "account:password_change"
    )


def test_password_reset_in_french_and_recorded():
    user = user_with_role(Role.CELL_LIAISON, username="c", email="c@example.org")
    client = Client()
    form = client.get(reverse("password_reset")).content.decode()
    assert "Mot de passe oublié" in form and "Envoyer le lien" in form
    response = client.post(reverse("password_reset"), {"email": "c@example.org"})
    assert response.status_code == 302
    assert "Lien envoyé" in client.get(response["Location"]).content.decode()
    link = re.search(r"(/accounts/reset/[^/]+/[^/\s]+/)", mail.outbox[0].body).group(1)
    confirm = client.get(link, follow=True)
    assert "Nouveau mot de passe" in confirm.content.decode()
    done = client.post(
        confirm.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.filter(action="password_reset").get()
    assert (event.actor_id, event.object_id) == (user.pk, user.pk)
    # A new password never skips the second factor.
    client.post(reverse("login"), {"username": "c", "password": NEW_PASSWORD})
    assert client.get("/cell/")["Location"].startswith("/accounts/2fa/")
