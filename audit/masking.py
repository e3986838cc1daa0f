"""Masking of secrets in django-auditlog entries (``AUDITLOG_MASK_CALLABLE``).

django-auditlog's default mask hides only the first half of a value, which would leave half of
a password hash in the history. Here nothing of the value is kept: only whether it was set.
"""

MASK = "********"


def mask_secret(value) -> str:
    return MASK if value not in (None, "", "None") else ""
