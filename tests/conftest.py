import pytest
from django.urls import get_resolver


@pytest.fixture(autouse=True)
def _load_urlconf():
    # viewflow's flow.reverse()/task.reverse() need the URLconf loaded (docs/libraries.md §5.5).
    _ = get_resolver().url_patterns


@pytest.fixture
def on_postgres():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 is deliberately slow; tests hash many demo passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _verified_force_login(monkeypatch):
    """``client.force_login`` gives a session that passed the second factor too (a confirmed
    TOTP device in the session, as after the real code step), so tests of pages need not
    replay the two login steps. The gate itself stays on: tests of the login go through
    both steps (tests/twofactor.py), and ``client.force_login_unverified`` keeps Django's
    password-only session for tests of the gate."""
    from django.test.client import Client

    from tests.twofactor import mark_verified

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        mark_verified(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "force_login_unverified", original, raising=False)
