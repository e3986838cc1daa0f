"""Due dates of the process, from RELAIS_DEADLINES (days): triage, take, first contact, review."""

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone


def due_date(kind: str, *, start: date | None = None) -> date:
    """The date by which step ``kind`` is due, counted from ``start`` (default: today)."""
    return (start or timezone.localdate()) + timedelta(days=settings.RELAIS_DEADLINES[kind])


def programme_start() -> date:
    """The programme's first day (RELAIS_PROGRAMME_START): no date of a case precedes it."""
    return settings.RELAIS_PROGRAMME_START
