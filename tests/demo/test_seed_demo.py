from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.demo import DEMO_ACCOUNTS
from directory.models import Commune, MemberProfile, Organisation


def _snapshot():
    User = get_user_model()
    return {
        "users": sorted(
            (u.username, u.is_staff, tuple(sorted(g.name for g in u.groups.all())))
            for u in User.objects.prefetch_related("groups")
        ),
        "organisations": sorted(Organisation.objects.values_list("name", "kind")),
        "profiles": sorted(
            (p.user.username, p.organisation.name, tuple(p.domains), p.capacity)
            for p in MemberProfile.objects.select_related("user", "organisation")
        ),
        "groups": Group.objects.count(),
        "communes": Commune.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_twice_gives_the_same_data():
    call_command("seed_demo", "--force", stdout=StringIO())
    first = _snapshot()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert _snapshot() == first
    usernames = {row[0] for row in first["users"]}
    assert {a.username for a in DEMO_ACCOUNTS} <= usernames


@pytest.mark.django_db
def test_seed_demo_accounts_have_their_roles_and_password():
    out = StringIO()
    call_command("seed_demo", "--force", "--password", "autre-mot-de-passe", stdout=out)
    User = get_user_model()
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.check_password("autre-mot-de-passe")
        assert set(user.groups.values_list("name", flat=True)) == set(account.roles)
        assert account.username in out.getvalue()
    assert User.objects.get(username="demo-admin").is_staff


@pytest.mark.django_db
def test_seed_demo_refuses_in_production_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG est désactivé"):
        call_command("seed_demo", stdout=StringIO())
    assert not get_user_model().objects.filter(username__startswith="demo-").exists()
