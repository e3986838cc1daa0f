"""Demo territorial indicators (fictitious), entered through the service by the demo coordinator,
and the releases of the ended periods, published as the scheduled command would.

Idempotent: an indicator already entered for a period is left as it is, and a period already
released is not released again, so running the seed again writes no new audit event.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from monitoring.models import ReleaseTrigger, TerritorialIndicator
from monitoring.periods import current_quarter
from monitoring.services import indicator_releases_publish, territorial_indicator_set
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


def demo_seed_releases(*, password: str | None = None, **_options) -> int:
    """Publish the indicators of every ended quarter of this year and the previous one (the
    scheduled command's run), after the demo cases. Returns how many releases were written.
    ``password`` is accepted for the seed_demo command's seeder signature and unused."""
    return len(indicator_releases_publish(trigger=ReleaseTrigger.COMMAND).released)
