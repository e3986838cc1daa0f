"""Who may open which page of /monitoring/ and /indicators/: every role, plus a staff admin."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.roles import Role
from monitoring.models import IndicatorRelease, ReleaseTrigger
from monitoring.services import indicator_releases_publish
from tests.factories import UserFactory

MONITORING = (Role.STATE_DELEGATE, Role.COORDINATOR)
INDICATORS = (Role.STRATEGIC_GROUP, Role.COORDINATOR)
ENTRY = (Role.COORDINATOR,)

PAGES = [
    # (url name, args, query, roles allowed)
    ("monitoring:index", (), "", MONITORING),
    ("monitoring:index", (), "?period=2026-Q1&domain=social", MONITORING),
    ("monitoring:export", ("referrals-by-state",), "", MONITORING),
    ("monitoring:export", ("all",), "", MONITORING),
    ("indicators:index", (), "", INDICATORS),
    ("indicators:print", (), "", INDICATORS),
    ("indicators:export", ("age-bracket",), "", INDICATORS),
    ("indicators:export", ("all",), "", INDICATORS),
    ("indicators:territorial", (), "", ENTRY),
    ("indicators:releases", (), "", ENTRY),
]

ACCOUNTS = [*(role.value for role in Role), "staff_admin"]


def login(client, account):
    if account == "staff_admin":
        user = UserFactory(username="admin-x", is_staff=True, is_superuser=True)
    else:
        user = UserFactory(username=f"u-{account}")
        user.groups.add(Group.objects.get(name=account))
    client.force_login(user)
    return user


@pytest.fixture
def released(db):
    """The year 2025 released (the pages of a release, not the "nothing yet" notice)."""
    indicator_releases_publish(trigger=ReleaseTrigger.COMMAND, years=[2025])


@pytest.mark.django_db
@pytest.mark.parametrize("account", ACCOUNTS)
def test_role_matrix(client, account, released):
    login(client, account)
    for name, args, query, allowed in PAGES:
        response = client.get(reverse(name, args=args) + query)
        expected = 200 if account in {str(r) for r in allowed} else 403
        assert response.status_code == expected, (account, name, args, query)


@pytest.mark.django_db
@pytest.mark.parametrize("account", [a for a in ACCOUNTS if a != Role.COORDINATOR])
def test_only_the_coordinator_may_post_territorial_indicators(client, account):
    from monitoring.models import TerritorialIndicator

    login(client, account)
    response = client.post(reverse("indicators:territorial"), {"trainings": "3"})
    assert response.status_code == 403
    assert not TerritorialIndicator.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("account", [a for a in ACCOUNTS if a != Role.COORDINATOR])
def test_only_the_coordinator_may_publish(client, account):
    login(client, account)
    response = client.post(reverse("indicators:releases"), {"confirmed": "1"})
    assert response.status_code == 403
    assert not IndicatorRelease.objects.exists()


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    for name, args, query, _allowed in PAGES:
        response = client.get(reverse(name, args=args) + query)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_menu_offers_the_entry_page_to_the_coordinator_only(client):
    login(client, Role.COORDINATOR)
    entry = reverse("indicators:territorial")
    assert entry in client.get(reverse("indicators:index")).content.decode()
    client.logout()
    login(client, Role.STRATEGIC_GROUP)
    assert entry not in client.get(reverse("indicators:index")).content.decode()
