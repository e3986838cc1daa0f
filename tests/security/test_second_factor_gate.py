"""Past the password but not the second factor, every URL of the project — every page of
ours, viewflow's generated ones and the Django admin — answers with the way to the code
page, for GET and POST, even for a superuser holding every role. Only the login, the
second-factor pages, logout, the health check and static files answer."""

import pytest
from django.test import Client
from django.urls import reverse

from core.roles import Role
from tests.factories import UserFactory
from tests.twofactor import totp_device
from tests.urlwalk import walk

pytestmark = pytest.mark.django_db


def open_paths():
    return (
        reverse("login"),
        reverse("logout"),
        reverse("healthz"),
        "/accounts/2fa/setup/",
        "/accounts/2fa/verify/",
        "/static/",
    )


def test_every_url_waits_for_the_second_factor():
    root = UserFactory(username="root", is_staff=True, is_superuser=True, roles=list(Role.values))
    totp_device(root)
    client = Client()
    client.force_login_unverified(root)
    checked = 0
    for path, _callback in walk():
        if path.startswith(open_paths()):
            continue
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 302, (method.__name__, path, response.status_code)
            assert response["Location"].startswith("/accounts/2fa/verify/"), path
        checked += 1
    assert checked > 50  # the walk really covered the site
