"""Throttled logins (django-axes): lock after N failures per account and per address, the
same answer whether the account exists, one chain event per lockout, unlock by an
administrator (recorded) or after the cool-off."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.roles import Role
from tests.accounts.conftest import login_attempt
from tests.factories import PASSWORD, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def normalised(response) -> str:
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r"nonce-[^\"' ]+|content=\"[A-Za-z0-9+/=_-]{16,}\"", "", body)
    return re.sub(r'value="(alice|ghost)"', 'value=""', body)


def test_the_account_locks_at_the_limit_even_for_the_right_password():
    UserFactory(username="alice")
    statuses = [login_attempt("alice").status_code for _ in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]
    locked = login_attempt("alice", PASSWORD)
    assert locked.status_code == 429
    assert "Connexion bloquée" in locked.content.decode()


def test_an_unknown_account_gets_the_same_answers():
    UserFactory(username="alice")
    known = [login_attempt("alice", ip="198.51.100.1") for _ in range(LIMIT + 1)]
    unknown = [login_attempt("ghost", ip="198.51.100.2") for _ in range(LIMIT + 1)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    for a, b in zip(known, unknown, strict=True):
        assert normalised(a) == normalised(b)


def test_per_address_and_per_account():
    UserFactory(username="alice")
    user_with_role(Role.MEMBER, username="bob")
    for _ in range(LIMIT):
        login_attempt("alice", ip="198.51.100.7")
    # The address is locked for every account...
    assert login_attempt("bob", PASSWORD, ip="198.51.100.7").status_code == 429
    # ...and the account from every address.
    assert login_attempt("alice", PASSWORD, ip="192.0.2.50").status_code == 429
    # Another account from another address logs in.
    assert login_attempt("bob", PASSWORD, ip="192.0.2.51").status_code == 302


def test_spreading_over_accounts_from_one_address_is_stopped_too():
    statuses = [login_attempt(f"user{i}", ip="198.51.100.9").status_code for i in range(LIMIT + 1)]
    assert statuses[-2:] == [429, 429]


def test_one_chain_event_per_lockout_not_per_failure():
    alice = UserFactory(username="alice")
    before = AuditEvent.objects.count()
    for _ in range(LIMIT + 5):
        login_attempt("alice")
    events = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    assert [(e.action, e.object_type, e.object_id, e.actor_username, e.code) for e in events] == [
        ("lockout", "user", alice.pk, "alice", "bad_credentials")
    ]
    assert events[0].client_ip == "198.51.100.7"


def test_a_lockout_of_an_unknown_name_keeps_no_username():
    for _ in range(LIMIT):
        login_attempt("my-password-typed-here")
    event = AuditEvent.objects.filter(action="lockout").get()
    assert (event.actor_username, event.object_id, event.code) == ("", None, "unknown_username")


def test_the_cool_off_unlocks(settings):
    user_with_role(Role.MEMBER, username="bob")
    for _ in range(LIMIT):
        login_attempt("bob")
    assert login_attempt("bob", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert login_attempt("bob", PASSWORD).status_code == 302


def test_an_administrator_unlocks_and_it_is_recorded(client):
    bob = user_with_role(Role.MEMBER, username="bob")
    for _ in range(LIMIT):
        login_attempt("bob")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    lock = AccessAttempt.objects.get(username="bob")
    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[lock.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    # The account and the address were both locked: one event for each.
    events = AuditEvent.objects.filter(action="unlock").order_by("seq")
    assert [
        (e.actor_id, e.role, e.object_type, e.object_id, e.transition, e.code, e.client_ip)
        for e in events
    ] == [
        (admin.pk, "administrator", "user", bob.pk, "account", "admin", "127.0.0.1"),
        (admin.pk, "administrator", "session", None, "address", "admin", "198.51.100.7"),
    ]
    assert login_attempt("bob", PASSWORD).status_code == 302
