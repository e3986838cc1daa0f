"""Writes on reference data."""

from django.db import transaction

from directory.communes import CommuneRow
from directory.models import Commune


@transaction.atomic
def communes_load(*, rows: list[CommuneRow], deactivate_missing: bool = False) -> dict:
    """Create or update communes by INSEE code, all or nothing.

    With ``deactivate_missing``, communes absent from ``rows`` are deactivated (never deleted:
    referrals may point to them). Objects are saved one by one so that django-auditlog keeps
    their history. Returns counts: created, updated, deactivated.
    """
    counts = {"created": 0, "updated": 0, "deactivated": 0}
    existing = {c.insee_code: c for c in Commune.objects.select_for_update()}
    for row in rows:
        commune = existing.get(row.insee_code)
        if commune is None:
            Commune.objects.create(
                insee_code=row.insee_code, name=row.name, postal_code=row.postal_code
            )
            counts["created"] += 1
        elif (commune.name, commune.postal_code, commune.active) != (
            row.name,
            row.postal_code,
            True,
        ):
            commune.name, commune.postal_code, commune.active = row.name, row.postal_code, True
            commune.save()
            counts["updated"] += 1
    if deactivate_missing:
        wanted = {row.insee_code for row in rows}
        for code, commune in existing.items():
            if code not in wanted and commune.active:
                commune.active = False
                commune.save()
                counts["deactivated"] += 1
    return counts
