from datetime import timedelta

import pytest


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
