from datetime import timedelta

import pytest
from django.contrib.auth.backends import ModelBackend
from django.test import Client
from django.urls import reverse

WRONG = "wrong-password"


def login_attempt(username, password=WRONG, ip="198.51.100.7"):
    """One password step of the login, from a fresh client at address ``ip``."""
    return Client(REMOTE_ADDR=ip).post(
        reverse("login"), {"username": username, "password": password}
    )


class Clock:
    """A clock the test moves by hand: what django-axes, django-otp, the back-off and the
    audit chain read as "now" (``django.utils.timezone.now``)."""

    def __init__(self, start):
        self.current = start

    def __call__(self):
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    import axes.attempts
    import axes.handlers.proxy
    from django.utils import timezone

    fake = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", fake)
    # axes imported the function itself.
    monkeypatch.setattr(axes.handlers.proxy, "now", fake)
    monkeypatch.setattr(axes.attempts, "now", fake)
    return fake


@pytest.fixture
def password_checks(monkeypatch):
    """The usernames whose password was actually checked (Django's ModelBackend), in order."""
    calls = []
    original = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        calls.append(username)
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    return calls
