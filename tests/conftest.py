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
