"""The attacker against the real release service and the stored releases: referrals recorded
through the services over a year (some late), the scheduled publication run at each quarter's
end and once more later, then every stored figure of every version attacked."""

from __future__ import annotations

import itertools
from datetime import date, datetime

import pytest
from django.utils import timezone

from monitoring import disclosure
from monitoring.models import IndicatorLedger, IndicatorRelease, ReleaseTrigger
from monitoring.populations import POPULATIONS, RECEIVED_TABLES
from monitoring.services import indicator_releases_publish
from referrals.models import Referral
from referrals.vocabularies import AgeBracket, PlaceTypology, YesNoUnknown
from tests.monitoring.attacker import Figure, Record, attack, check_truthful
from tests.monitoring.builders import Case, build

K = 5
# (day received, how many) recorded before each publication run (run dates below).
RUNS = [
    (date(2026, 4, 2), [(date(2026, 1, 10), 7), (date(2026, 3, 3), 2)]),
    (date(2026, 7, 2), [(date(2026, 5, 5), 3), (date(2026, 2, 1), 1)]),  # Q2 small; one late
    (date(2026, 10, 2), [(date(2026, 8, 8), 8)]),
    (date(2027, 1, 4), [(date(2026, 11, 4), 6), (date(2026, 2, 2), 5)]),  # five late in Q1
    (date(2027, 2, 1), [(date(2026, 12, 1), 1)]),  # one late in Q4
]


@pytest.mark.django_db
def test_stored_releases_withstand_the_attacker(cast, clock):
    ages = itertools.cycle(
        [AgeBracket.FROM_13_TO_17, AgeBracket.FROM_18_TO_25, AgeBracket.UNDER_13]
    )
    places = itertools.cycle([PlaceTypology.URBAN, PlaceTypology.PRIORITY_NEIGHBOURHOOD])
    prison = itertools.cycle([YesNoUnknown.NO, YesNoUnknown.NO, YesNoUnknown.YES])
    recorded_before: dict[int, int] = {}  # referral id -> index of the run that first sees it
    for index, (run_day, batches) in enumerate(RUNS, start=1):
        for day, count in batches:
            for _ in range(count):
                case = Case(
                    received_on=day,
                    age_bracket=next(ages),
                    place_typology=next(places),
                    released_from_prison=next(prison),
                )
                recorded_before[build(cast, case, clock).pk] = index
        clock.current = datetime(
            run_day.year, run_day.month, run_day.day, 9, tzinfo=timezone.get_current_timezone()
        )
        indicator_releases_publish(trigger=ReleaseTrigger.COMMAND, years=[2026], today=run_day)

    # The run that first saw a referral, as the ledger's event number (runs that changed
    # nothing wrote no ledger: their referrals count from the next ledger written).
    seq_of_run = {}
    ledgers = list(IndicatorLedger.objects.filter(year=2026).order_by("seq"))
    assert ledgers
    created = [ledger.created_at.date() for ledger in ledgers]
    for index, (run_day, _b) in enumerate(RUNS, start=1):
        later = [ledger.seq for ledger, day in zip(ledgers, created, strict=True) if day >= run_day]
        seq_of_run[index] = later[0] if later else len(ledgers) + 1
    records = []
    for referral in Referral.objects.all():
        quarter = (referral.received_on.month - 1) // 3 + 1
        attributes = tuple((field, getattr(referral, field)) for field in RECEIVED_TABLES)
        known = seq_of_run[recorded_before[referral.pk]]
        records.append(
            Record("received", quarter, attributes, arrival=known if known != quarter else 0)
        )

    figures = []
    for release in IndicatorRelease.objects.select_related("ledger"):
        key = (release.period_kind, release.period.number)
        quarters = disclosure.PERIOD_QUARTERS[key]
        for population in POPULATIONS:
            published = release.figures[population.code]
            blocks = release.ledger.state[population.code]["blocks"]
            cutoff = tuple((q, b["as_of"]) for b in blocks for q in b["quarters"] if q in quarters)
            label = f"{release.period.code}v{release.version}"
            if published["total"] is not None:
                figures.append(
                    Figure(population.code, quarters, (), cutoff, published["total"], label)
                )
            for table, cats in population.tables:
                for cat in cats:
                    if published[table][cat] is not None:
                        figures.append(
                            Figure(
                                population.code,
                                quarters,
                                ((table, cat),),
                                cutoff,
                                published[table][cat],
                                f"{label}.{cat}",
                            )
                        )
    assert {r.version for r in IndicatorRelease.objects.all()} == {
        1,
        2,
    }  # a correction was published
    assert len(figures) >= 40, len(figures)
    q2 = IndicatorRelease.objects.get(period_kind="quarter", period_start=date(2026, 4, 1))
    assert q2.figures["received"]["withheld"]  # 3 referrals: they wait for Q3
    check_truthful(figures, records)
    findings = attack(figures, K)
    assert not findings, [str(f) for f in findings[:5]]
    year = IndicatorRelease.objects.filter(period_kind="year").latest("version")
    # The late Q1 referrals went in with the safe correction (1 + 5); the one recorded late in
    # Q4 is withheld (a version differing by one person).
    assert year.figures["received"]["total"] == 7 + 2 + 1 + 5 + 3 + 8 + 6
