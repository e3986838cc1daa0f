"""Every unlock leaves one event in the chain, however it happens: an administrator in the
admin, django-axes' ``axes_reset*`` commands, the end of a cool-off, a successful login
that clears an address's count. Deleting rows that locked nothing records nothing."""

import io

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from core.roles import Role
from tests.accounts.conftest import login_attempt
from tests.factories import PASSWORD, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.RELAIS_LOGIN_BACKOFF_AFTER = 0  # these tests are about the lockout alone


def lock(username, ip="198.51.100.7"):
    for _ in range(LIMIT):
        login_attempt(username, ip=ip)
    assert login_attempt(username, PASSWORD, ip=ip).status_code == 429


def unlocks():
    return [
        (e.actor_id, e.role, e.object_type, e.object_id, e.transition, e.code, e.client_ip)
        for e in AuditEvent.objects.filter(action="unlock").order_by("seq")
    ]


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_axes_reset_username_is_recorded():
    bob = user_with_role(Role.MEMBER, username="bob")
    lock("bob")
    assert "removed" in run("axes_reset_username", "bob")
    # The only row was bob's from that address: both locks are lifted.
    assert unlocks() == [
        (None, "system", "user", bob.pk, "account", "command", None),
        (None, "system", "session", None, "address", "command", "198.51.100.7"),
    ]
    assert login_attempt("bob", PASSWORD).status_code == 302


def test_axes_reset_ip_of_a_spray_is_recorded_once():
    for i in range(LIMIT):
        login_attempt(f"user{i}", ip="198.51.100.9")
    run("axes_reset_ip", "198.51.100.9")
    # The address was locked; no account name reached the limit.
    assert unlocks() == [(None, "system", "session", None, "address", "command", "198.51.100.9")]


def test_axes_reset_and_reset_ip_username_are_recorded():
    alice = UserFactory(username="alice")
    lock("alice", ip="198.51.100.1")
    run("axes_reset_ip_username", "198.51.100.1", "alice")
    assert [u[2:6] for u in unlocks()] == [
        ("user", alice.pk, "account", "command"),
        ("session", None, "address", "command"),
    ]
    lock("ghost", ip="198.51.100.2")
    run("axes_reset")
    assert [u[2:6] for u in unlocks()][2:] == [
        ("session", None, "account", "command"),  # an unknown name: no id, no name kept
        ("session", None, "address", "command"),
    ]
    assert not AccessAttempt.objects.exists()


def test_deleting_rows_that_locked_nothing_records_nothing():
    UserFactory(username="alice")
    login_attempt("alice")
    run("axes_reset")
    assert not AccessAttempt.objects.exists()
    assert unlocks() == []


def test_the_end_of_a_cool_off_is_recorded_at_the_next_attempt(clock, settings):
    bob = user_with_role(Role.MEMBER, username="bob")
    lock("bob")
    clock.advance(settings.AXES_COOLOFF_TIME.total_seconds() + 1)
    # Nothing is written while nobody tries; the next login attempt (anyone's) cleans the
    # expired rows and records the unlocks, outside that request (no request id, no address
    # but the unlocked one).
    assert unlocks() == []
    assert login_attempt("someone-else", ip="192.0.2.99").status_code == 200
    assert unlocks() == [
        (None, "system", "user", bob.pk, "account", "cool_off", None),
        (None, "system", "session", None, "address", "cool_off", "198.51.100.7"),
    ]
    assert set(AuditEvent.objects.filter(action="unlock").values_list("request_id", flat=True)) == {
        ""
    }
    assert login_attempt("bob", PASSWORD).status_code == 302
    assert len(unlocks()) == 2


def test_admin_bulk_delete_and_cleanup_action_are_recorded(clock, settings):
    alice = UserFactory(username="alice")
    lock("alice", ip="198.51.100.1")
    lock("ghost", ip="198.51.100.2")
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    changelist = reverse("admin:axes_accessattempt_changelist")
    alice_row = AccessAttempt.objects.get(username="alice")
    response = client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [alice_row.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert [u[:6] for u in unlocks()] == [
        (root.pk, "administrator", "user", alice.pk, "account", "admin"),
        (root.pk, "administrator", "session", None, "address", "admin"),
    ]
    # axes' « clean up expired attempts » action goes through the audited handler too.
    clock.advance(settings.AXES_COOLOFF_TIME.total_seconds() + 1)
    ghost_row = AccessAttempt.objects.get(username="ghost")
    client.post(
        changelist, {"action": "cleanup_expired_attempts", "_selected_action": [ghost_row.pk]}
    )
    assert not AccessAttempt.objects.exists()
    assert [u[4:6] for u in unlocks()][2:] == [("account", "cool_off"), ("address", "cool_off")]


def test_the_admin_cannot_change_a_failure_count():
    lock("alice")
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    row = AccessAttempt.objects.get()
    url = reverse("admin:axes_accessattempt_change", args=[row.pk])
    assert client.get(url).status_code == 200  # viewing is allowed (read-only page)
    response = client.post(url, {"username": "x", "failures_since_start": 0})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.failures_since_start == LIMIT and row.username == "alice"
    assert client.get(reverse("admin:axes_accessattempt_add")).status_code == 403


def test_a_success_that_clears_an_address_lock_is_recorded():
    user_with_role(Role.MEMBER, username="bob")
    UserFactory(username="alice")
    # Two failures by bob and one by alice from one address lock that address...
    login_attempt("bob", ip="198.51.100.5")
    login_attempt("bob", ip="198.51.100.5")
    login_attempt("alice", ip="198.51.100.5")
    assert login_attempt("bob", PASSWORD, ip="198.51.100.5").status_code == 429
    # ...bob logging in from elsewhere clears his failures (axes' reset on success), which
    # takes the address below the limit: that unlock is recorded too.
    assert login_attempt("bob", PASSWORD, ip="192.0.2.7").status_code == 302
    assert [u[2:6] for u in unlocks()] == [("session", None, "address", "login")]
    assert [u[6] for u in unlocks()] == ["198.51.100.5"]
