"""Development keeps `make run` usable: demo accounts share a public TOTP key that
seed_demo prints; production never accepts it."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts import selectors, services
from core.errors import ApplicationError
from directory.demo import DEMO_PASSWORD
from tests.twofactor import login_two_steps

pytestmark = pytest.mark.django_db


def test_seed_demo_enrols_every_demo_account_and_prints_the_key():
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert selectors.DEMO_TOTP_KEY_B32 in out.getvalue()
    response = login_two_steps(Client(), "demo-member", DEMO_PASSWORD)
    assert response.redirect_chain[-1][0] == "/member/"


def test_development_shows_the_demo_code_on_the_verify_page(settings):
    call_command("seed_demo", "--force", stdout=StringIO())
    settings.DEBUG = True
    client = Client()
    client.post(reverse("login"), {"username": "demo-cell", "password": DEMO_PASSWORD})
    body = client.get(reverse("twofactor:verify")).content.decode()
    assert "Compte de démonstration (développement uniquement)" in body


def test_production_ignores_the_demo_key_and_refuses_to_enrol_it(settings):
    call_command("seed_demo", "--force", stdout=StringIO())
    settings.PRODUCTION = True
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="demo-cell")
    assert selectors.confirmed_totp_device(user=user) is None
    with pytest.raises(ApplicationError):
        services.demo_twofactor_enrol(user=user)
    client = Client()
    client.post(reverse("login"), {"username": "demo-cell", "password": DEMO_PASSWORD})
    # The demo authenticator does not count: the account must enrol a real one.
    assert client.get("/cell/")["Location"].startswith(reverse("twofactor:setup"))
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert selectors.DEMO_TOTP_KEY_B32 not in out.getvalue()
