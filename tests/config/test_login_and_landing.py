from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from directory.demo import DEMO_PASSWORD
from tests.twofactor import login_two_steps
from tests.urlwalk import is_public, walk

LANDING = {
    "demo-cell": "/cell/",
    "demo-coordinator": "/coordination/",
    "demo-member": "/member/",
    "demo-delegate": "/monitoring/",
    "demo-auditor": "/audit/",
    "demo-strategic": "/indicators/",
    "demo-admin": "/admin/",
}


@pytest.fixture
def demo(db):
    # Django's test runner turns DEBUG off, which seed_demo refuses without --force.
    call_command("seed_demo", "--force", stdout=StringIO())


@pytest.mark.django_db
def test_login_page_renders_in_french(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="fr"' in body
    assert "Connexion" in body
    assert "Mot de passe" in body
    assert "Se connecter" in body


@pytest.mark.parametrize("username,landing", sorted(LANDING.items()))
def test_each_demo_account_lands_on_its_role_page(client, demo, username, landing):
    # The two real steps: password, then the demo authenticator's current code.
    response = login_two_steps(client, username, DEMO_PASSWORD)
    assert response.status_code == 200
    assert response.redirect_chain, "login should redirect"
    final = response.redirect_chain[-1][0]
    assert final.startswith(landing), response.redirect_chain
    assert response.wsgi_request.user.username == username


@pytest.mark.django_db
def test_wrong_password_stays_on_login_with_french_error(client, demo):
    response = client.post(reverse("login"), {"username": "demo-cell", "password": "nope"})
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


@pytest.mark.django_db
def test_user_without_role_gets_an_explanation(client):
    from tests.factories import PASSWORD, UserFactory

    UserFactory(username="norole")
    login_two_steps(client, "norole", PASSWORD)
    response = client.get("/")
    assert response.status_code == 403
    assert "Aucun rôle attribué" in response.content.decode()


def _private_paths():
    return sorted({path for path, callback in walk() if not is_public(callback)})


@pytest.mark.django_db
def test_anonymous_is_redirected_to_login_from_every_non_public_page(client):
    paths = _private_paths()
    assert len(paths) > 20  # the walk really found the site, the admin and the flows
    login = reverse("login")
    for path in paths:
        response = client.get(path)
        if path.startswith("/admin/"):
            # The admin has its own login page.
            assert response.status_code == 302, path
            assert "/admin/login/" in response["Location"] or login in response["Location"]
        else:
            assert response.status_code == 302, path
            assert response["Location"].startswith(login + "?next="), (path, response["Location"])
