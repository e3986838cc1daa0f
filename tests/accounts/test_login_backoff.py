"""Back off, then lock: from a few failed passwords on an account or from an address, the
next password is refused unchecked until a delay that doubles at each failure has passed;
at the limit the lockout takes over. Driven by a clock the test moves (tests/accounts/
conftest.py), never by sleeping."""

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from core.roles import Role
from tests.accounts.conftest import WRONG, login_attempt
from tests.factories import PASSWORD, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

LIMIT, AFTER, BASE, CAP = 10, 3, 1, 8


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.RELAIS_LOGIN_BACKOFF_AFTER = AFTER
    settings.RELAIS_LOGIN_BACKOFF_SECONDS = BASE
    settings.RELAIS_LOGIN_BACKOFF_MAX_SECONDS = CAP


def kind(response) -> str:
    if response.status_code == 200:
        return "refused"
    if response.status_code == 429:
        return "backoff" if response.has_header("Retry-After") else "locked"
    return str(response.status_code)


def brute_force(clock, username, *, attempts=50, every=2, ip="198.51.100.7"):
    """An attacker trying a password every ``every`` seconds (of the test's clock)."""
    seen = []
    for i in range(attempts):
        response = login_attempt(username, f"guess-{i}", ip=ip)
        seen.append((kind(response), response.get("Retry-After")))
        clock.advance(every)
    return seen


def test_a_brute_force_of_fifty_backs_off_then_locks_at_the_limit(clock, password_checks):
    coord = user_with_role(Role.COORDINATOR, username="coord")
    seen = brute_force(clock, "coord")
    kinds = [k for k, _wait in seen]
    # Only LIMIT passwords were ever checked; the rest were refused unchecked.
    assert len(password_checks) == LIMIT
    assert kinds.count("refused") == LIMIT - 1
    assert kinds[:AFTER] == ["refused"] * AFTER
    first_lock = kinds.index("locked")
    assert set(kinds[AFTER:first_lock]) == {"refused", "backoff"}
    assert kinds[first_lock:] == ["locked"] * (50 - first_lock)
    # The waits announced (what is left of the delay) never exceed the cap.
    waits = [int(w) for k, w in seen if k == "backoff"]
    assert waits and max(waits) <= CAP
    # Failures counted once per checked password: a refusal during the back-off is none.
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == LIMIT
    # The right password is refused while locked, and the chain has one lockout event.
    assert kind(login_attempt("coord", PASSWORD)) == "locked"
    assert kind(login_attempt("coord", PASSWORD, ip="192.0.2.80")) == "locked"
    assert list(AuditEvent.objects.filter(action="lockout").values_list("object_id")) == [
        (coord.pk,)
    ]


def test_the_delay_doubles_then_is_capped(clock):
    UserFactory(username="alice")
    for _ in range(AFTER):
        assert kind(login_attempt("alice")) == "refused"
    expected = [BASE * 2**n for n in range(LIMIT - AFTER - 1)]
    for wait in expected:
        refusal = login_attempt("alice")
        assert kind(refusal) == "backoff"
        assert int(refusal["Retry-After"]) == min(wait, CAP)
        clock.advance(min(wait, CAP) - 0.5)
        assert kind(login_attempt("alice")) == "backoff"  # not yet
        clock.advance(0.5)
        assert kind(login_attempt("alice")) == "refused"  # checked, wrong: one more failure


def test_the_back_off_page_says_the_same_for_an_unknown_account(clock):
    UserFactory(username="alice")
    known = brute_force(clock, "alice", ip="198.51.100.1")
    unknown = brute_force(clock, "ghost", ip="198.51.100.2")
    assert known == unknown
    assert "backoff" in {k for k, _w in known} and known[-1] == ("locked", None)
    a = login_attempt("alice", ip="198.51.100.1")
    b = login_attempt("ghost", ip="198.51.100.2")
    assert (a.status_code, kind(a)) == (b.status_code, kind(b)) == (429, "locked")


def test_back_off_pages_are_identical_for_known_and_unknown_accounts(clock):
    UserFactory(username="alice")
    for name, ip in (("alice", "198.51.100.1"), ("ghost", "198.51.100.2")):
        for _ in range(AFTER):
            login_attempt(name, ip=ip)
    a, b = login_attempt("alice", ip="198.51.100.1"), login_attempt("ghost", ip="198.51.100.2")
    assert kind(a) == kind(b) == "backoff"
    assert a["Retry-After"] == b["Retry-After"]
    strip = re.compile(r"nonce-[^\"' ]+|content=\"[A-Za-z0-9+/=_-]{16,}\"")
    assert strip.sub("", a.content.decode()) == strip.sub("", b.content.decode())
    assert "Réessayez dans 1 seconde" in a.content.decode()


def test_per_address_too(clock):
    user_with_role(Role.MEMBER, username="bob")
    for i in range(AFTER):
        login_attempt(f"someone{i}", ip="198.51.100.9")
    # Spreading over accounts from one address: that address backs off, for bob too...
    assert kind(login_attempt("bob", PASSWORD, ip="198.51.100.9")) == "backoff"
    # ...while bob from elsewhere is not slowed down.
    assert login_attempt("bob", PASSWORD, ip="192.0.2.51").status_code == 302


def test_a_success_resets_the_back_off(clock):
    user_with_role(Role.MEMBER, username="bob")
    for _ in range(AFTER):
        login_attempt("bob")
    assert kind(login_attempt("bob", PASSWORD)) == "backoff"  # even the right password waits
    clock.advance(BASE)
    assert login_attempt("bob", PASSWORD).status_code == 302  # the password step passes
    assert not AccessAttempt.objects.exists()
    # Counts start again from zero: the next failures are answered at once.
    assert [kind(login_attempt("bob")) for _ in range(AFTER)] == ["refused"] * AFTER
    assert kind(login_attempt("bob")) == "backoff"


def test_the_back_off_can_be_switched_off(clock, settings):
    settings.RELAIS_LOGIN_BACKOFF_AFTER = 0
    UserFactory(username="alice")
    kinds = [kind(login_attempt("alice")) for _ in range(LIMIT)]
    assert kinds == ["refused"] * (LIMIT - 1) + ["locked"]


def test_the_admin_login_backs_off_too(clock):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR="198.51.100.3")
    url = reverse("admin:login")
    for _ in range(AFTER):
        assert client.post(url, {"username": "root", "password": WRONG}).status_code == 200
    refusal = client.post(url, {"username": "root", "password": PASSWORD})
    assert kind(refusal) == "backoff"


def test_a_valid_password_does_not_wipe_another_accounts_count(clock):
    """An insider guessing alice's password from their own address cannot reset her count
    by logging in as themselves between guesses (axes alone would forget every failure
    from the address)."""
    UserFactory(username="alice")
    user_with_role(Role.MEMBER, username="bob")
    for _ in range(AFTER):
        login_attempt("alice", ip="198.51.100.4")
    assert login_attempt("bob", PASSWORD, ip="198.51.100.4").status_code == 429  # the address waits
    clock.advance(BASE)
    assert login_attempt("bob", PASSWORD, ip="198.51.100.4").status_code == 302
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        ("alice", AFTER)
    ]


def test_requests_racing_for_one_window_let_only_one_password_through(clock):
    """Two requests arriving together once the delay is over: the first takes the window
    (its password is checked), the second waits a full delay — as if the first had failed."""
    from accounts.services import login_backoff_claim

    UserFactory(username="alice")
    for _ in range(AFTER):
        login_attempt("alice")
    clock.advance(BASE)
    now = clock()
    both = [
        login_backoff_claim(username="alice", ip_address="192.0.2.1", now=now),
        login_backoff_claim(username="alice", ip_address="192.0.2.2", now=now),
    ]
    assert both == [0, BASE]
