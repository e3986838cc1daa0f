from datetime import datetime

import pytest
from django.utils import timezone

from tests.monitoring.builders import Cast, Clock


@pytest.fixture
def clock(monkeypatch):
    """``timezone.now`` under the test's control (real time again after the test)."""
    start = datetime(2026, 1, 5, 10, tzinfo=timezone.get_current_timezone())
    fake = Clock(start)
    monkeypatch.setattr(timezone, "now", fake.now)
    return fake


@pytest.fixture
def cast(db):
    return Cast.create()


@pytest.fixture(autouse=True)
def quarter_grain(settings):
    """Indicators published down to the quarter whatever the previous year (tests of the
    grain rule set the floors themselves)."""
    settings.RELAIS_INDICATORS_QUARTER_FLOOR = 0
    settings.RELAIS_INDICATORS_SEMESTER_FLOOR = 0
