"""Reads of the reference data."""

from __future__ import annotations

from directory.models import Commune


def commune_labels(codes) -> dict[str, str]:
    """``{insee_code: "Name (insee_code)"}`` for the given INSEE codes, inactive communes
    included (a past event may name a commune since withdrawn): one query; unknown codes are
    left out, so a caller shows them as they are."""
    codes = set(codes)
    if not codes:
        return {}
    return {
        code: f"{name} ({code})"
        for code, name in Commune.objects.filter(insee_code__in=codes).values_list(
            "insee_code", "name"
        )
    }
