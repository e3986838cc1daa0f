"""The one text form of a time in the audit chain (canonical serialisation, checkpoint lines,
exports): UTC, microseconds, ``Z``. Its own module so that ``audit.models`` and
``audit.chain`` both use it without importing each other both ways."""

from datetime import UTC, datetime


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
