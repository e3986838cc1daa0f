"""A NUL byte in any query parameter of any page never gives a server error (PostgreSQL
refuses NUL in text): the admin answers 400, our pages validate their parameters."""

import pytest
from django.test import Client

from core.roles import Role
from tests.factories import UserFactory
from tests.urlwalk import walk
from tests.workflows.conftest import people as people  # noqa: F401 (the fixture)
from tests.workflows.conftest import start_referral, triage_open

pytestmark = pytest.mark.django_db

NAMES = ("state", "q", "page", "action", "reference", "period", "o", "status", "next", "cursor")


def test_no_page_answers_500_to_a_nul_byte(people):  # noqa: F811
    # A case under way, so that pages with an id (1) show something.
    triage_open(start_referral(people["cell"]), people["coordinator"])
    root = UserFactory(username="root", is_staff=True, is_superuser=True, roles=list(Role.values))
    client = Client(raise_request_exception=False)
    client.force_login(root)
    query = "&".join(f"{name}=%00" for name in NAMES) + "&%00=x"
    errors, statuses = [], set()
    for path, _callback in walk():
        if path.startswith(("/static/", "/accounts/logout")):
            continue
        response = client.get(f"{path}?{query}")
        if response.status_code >= 500:
            errors.append((path, response.status_code))
        statuses.add(response.status_code)
    assert errors == []
    assert 200 in statuses and 400 in statuses  # pages shown, and the admin's refusals
