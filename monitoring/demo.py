"""Demo territorial indicators (fictitious), entered through the service by the demo coordinator.

Idempotent: an indicator already entered for a period is left as it is, so running the seed
again writes no new audit event.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from monitoring.models import TerritorialIndicator
from monitoring.periods import current_quarter
from monitoring.services import territorial_indicator_set
from monitoring.vocabularies import Answer, TensionLevel, TerritorialIndicatorCode

DEMO_COORDINATOR = "demo-coordinator"

Code = TerritorialIndicatorCode
# Values for the previous quarter and the current one.
DEMO_VALUES = (
    {
        Code.ASSOCIATION_CONCERNS: Answer.YES,
        Code.INSTITUTION_TESTIMONIES: Answer.NO,
        Code.COMMUNITY_TENSIONS: TensionLevel.LOW,
        Code.TRAININGS: 3,
    },
    {
        Code.ASSOCIATION_CONCERNS: Answer.NO,
        Code.INSTITUTION_TESTIMONIES: Answer.UNKNOWN,
        Code.COMMUNITY_TENSIONS: TensionLevel.MODERATE,
        Code.TRAININGS: 2,
    },
)


@transaction.atomic
def demo_seed_indicators(*, password: str | None = None, **_options) -> int:
    """Enter the demo territorial indicators of the previous and current quarters (only those
    not entered yet). Returns how many were entered. ``password`` is accepted for the
    seed_demo command's seeder signature and unused."""
    coordinator = get_user_model().objects.filter(username=DEMO_COORDINATOR).first()
    if coordinator is None:
        raise RuntimeError(
            f"Compte {DEMO_COORDINATOR} absent : lancez d'abord demo_seed_directory()."
        )
    current = current_quarter()
    entered = 0
    for period, values in zip((current.previous(), current), DEMO_VALUES, strict=True):
        existing = set(
            TerritorialIndicator.objects.filter(
                period_kind=period.kind, period_start=period.start
            ).values_list("indicator", flat=True)
        )
        for code, value in values.items():
            if code.value in existing:
                continue
            territorial_indicator_set(
                actor=coordinator, period=period, indicator=code.value, value=value
            )
            entered += 1
    return entered
