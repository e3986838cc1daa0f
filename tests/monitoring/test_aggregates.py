"""The database aggregates equal a straightforward Python computation over the same rows.

The data is built through the referral and support services only, on chosen days (``clock``).
The Python side reads every row and counts with loops: slow, obvious, and independent of the
selectors' SQL.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from directory.vocabularies import SupportDomain
from monitoring import selectors
from monitoring.periods import Period, PeriodKind, parse_period
from monitoring.selectors import Filters
from referrals.models import Referral
from referrals.stays import hours
from referrals.vocabularies import TERMINAL_STATES, AgeBracket, PlaceTypology, YesNoUnknown
from support.models import SupportTrack
from support.vocabularies import ENDED_STATES, Outcome
from tests.monitoring.builders import Case, build

VALENCIENNES, ANZIN = "59606", "59014"
D = SupportDomain

CASES = [
    Case(state="received", received_on=date(2026, 1, 6), insee=ANZIN),
    Case(state="in_assessment", received_on=date(2026, 1, 20), domains=(D.EDUCATIONAL,)),
    Case(state="returned", received_on=date(2026, 2, 2), age_bracket=AgeBracket.OVER_40),
    Case(
        state="in_support",
        received_on=date(2026, 2, 10),
        domains=(D.SOCIAL, D.PSYCHOLOGICAL),
        track="assigned",
        place_typology=PlaceTypology.RURAL,
    ),
    Case(state="in_support", received_on=date(2026, 2, 17), insee=ANZIN, track="open"),
    Case(
        state="in_support",
        received_on=date(2026, 3, 2),
        domains=(D.PROFESSIONAL,),
        track="active",
        member=1,
        step_days=5,
    ),
    Case(
        state="suspended",
        received_on=date(2026, 3, 9),
        track="active",
        family_involved=YesNoUnknown.NO,
    ),
    Case(
        state="in_review",
        received_on=date(2026, 3, 23),
        track="completed",
        outcome=Outcome.PARTIALLY_REACHED,
        released_from_prison=YesNoUnknown.YES,
    ),
    Case(
        state="closed",
        received_on=date(2026, 4, 1),
        domains=(D.SOCIAL, D.EDUCATIONAL),
        track="completed",
        step_days=7,
        family_asked_for_help=YesNoUnknown.YES,
    ),
    Case(state="closed", received_on=date(2026, 4, 14), insee=ANZIN, track="open", step_days=2),
    Case(state="withdrawn", received_on=date(2026, 5, 4), age_bracket=AgeBracket.UNDER_13),
    Case(
        state="in_support",
        received_on=date(2026, 5, 11),
        domains=(D.SOCIAL,),
        track="assigned",
        member=1,
        age_bracket=AgeBracket.FROM_18_TO_25,
    ),
]
TODAY = date(2026, 6, 15)
Q1 = Period(PeriodKind.QUARTER, date(2026, 1, 1))
Q2 = Period(PeriodKind.QUARTER, date(2026, 4, 1))

FILTERS = [
    Filters(),
    Filters(period=Q1),
    Filters(period=Q2),
    Filters(commune=ANZIN),
    Filters(domain=D.SOCIAL),
    Filters(domain=D.EDUCATIONAL),
    Filters(period=Q1, commune=VALENCIENNES, domain=D.SOCIAL),
    Filters(period=parse_period("2026", today=TODAY)),
    Filters(period=parse_period("2025-S2", today=TODAY)),
]


@pytest.fixture
def data(cast, clock):
    for case in CASES:
        build(cast, case, clock)
    now = datetime(2026, 6, 15, 12, tzinfo=timezone.get_current_timezone())
    clock.current = now
    return now


# --- the straightforward Python side ------------------------------------------------------
def python_cohort(filters: Filters) -> list[Referral]:
    result = []
    for referral in Referral.objects.select_related("commune").prefetch_related("tracks"):
        period = filters.period
        if period and not period.start <= referral.received_on <= period.end:
            continue
        if filters.commune and referral.commune.insee_code != filters.commune:
            continue
        if filters.domain:
            domains = set(referral.requested_domains) | {t.domain for t in referral.tracks.all()}
            if filters.domain not in domains:
                continue
        result.append(referral)
    return result


def python_tracks(filters: Filters) -> list[SupportTrack]:
    ids = {r.pk for r in python_cohort(Filters(period=filters.period, commune=filters.commune))}
    tracks = []
    for track in SupportTrack.objects.select_related("organisation"):
        if track.referral_id in ids and (not filters.domain or track.domain == filters.domain):
            tracks.append(track)
    return tracks


def python_stays(filters: Filters, now) -> dict[str, list[timedelta]]:
    ids = {r.pk for r in python_cohort(filters)}
    events = defaultdict(list)
    for event in AuditEvent.objects.filter(object_type="referral").order_by("seq"):
        if event.action in ("create", "transition") and event.object_id in ids:
            events[event.object_id].append(event)
    stays = defaultdict(list)
    for chain in events.values():
        for current, following in zip(chain, [*chain[1:], None], strict=True):
            if current.to_state in TERMINAL_STATES:
                continue
            end = following.occurred_at if following else now
            stays[current.to_state].append(end - current.occurred_at)
    return stays


def nearest_rank(values, fraction):
    ordered = sorted(values)
    return ordered[math.ceil(fraction * len(ordered)) - 1]


# --- the comparisons ----------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f))
def test_dashboard_aggregates_equal_python(data, filters):
    now = data
    cohort = python_cohort(filters)
    tracks = python_tracks(filters)

    assert selectors.referrals_by_state(filters) == dict(Counter(r.state for r in cohort))
    by_commune = Counter(r.commune.name for r in cohort)
    assert selectors.referrals_by_commune(filters) == sorted(
        by_commune.items(), key=lambda item: (-item[1], item[0])
    )
    assert selectors.tracks_by_domain_and_state(filters) == dict(
        Counter((t.domain, t.state) for t in tracks)
    )

    overdue = selectors.overdue_referrals(filters, TODAY)
    assert overdue["triage"] == sum(
        1 for r in cohort if r.state in ("received", "in_assessment") and r.triage_due_on < TODAY
    )
    assert overdue["review"] == sum(
        1 for r in cohort if r.state == "in_support" and r.next_review_on < TODAY
    )
    expected_orgs = defaultdict(lambda: {"take": 0, "first_contact": 0})
    for t in tracks:
        name = t.organisation.name if t.organisation else None
        if t.state == "open" and t.take_due_on < TODAY:
            expected_orgs[name]["take"] += 1
        if t.state == "assigned" and t.first_contact_due_on < TODAY:
            expected_orgs[name]["first_contact"] += 1
    assert dict(selectors.overdue_tracks_by_organisation(filters, TODAY)) == dict(expected_orgs)

    months = selectors.month_starts(date(2026, 6, 1), 12)
    flow = selectors.monthly_flow(filters, months)
    everything = python_cohort(Filters(commune=filters.commune, domain=filters.domain))
    for month in months:
        assert flow["received"][month] == sum(
            1 for r in everything if r.received_on.replace(day=1) == month
        )
        assert flow["closed"][month] == sum(
            1
            for r in everything
            if r.state == "closed"
            and timezone.localtime(r.state_changed_at).date().replace(day=1) == month
        )

    durations = selectors.time_in_state(filters, now)
    stays = python_stays(filters, now)
    assert set(durations) == set(stays)
    for state, exact in stays.items():
        # The dashboard's resolution: whole hours, rounded up.
        values = [timedelta(hours=hours(v)) for v in exact]
        assert durations[state].stays == len(values)
        assert durations[state].median == statistics.median(values), state
        assert durations[state].p90 == nearest_rank(values, 0.9), state


@pytest.mark.django_db
def test_data_covers_what_is_compared(data):
    # Guard against a vacuous comparison: several states, overdue steps and stays exist.
    filters = Filters()
    assert len(selectors.referrals_by_state(filters)) >= 7
    overdue = selectors.overdue_referrals(filters, TODAY)
    assert overdue["triage"] >= 1
    assert any(c["take"] for _o, c in selectors.overdue_tracks_by_organisation(filters, TODAY))
    stays = python_stays(filters, data)
    assert any(len(values) >= 4 and len(set(values)) > 1 for values in stays.values())
    assert sum(selectors.monthly_flow(filters, selectors.month_starts(TODAY))["closed"].values())


@pytest.mark.django_db
@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
def test_quarter_counts_equal_python(data, quarter):
    """The counts the releases are computed from (three queries for a whole year)."""
    period = Period(PeriodKind.QUARTER, date(2026, 3 * quarter - 2, 1))
    start, end = period.datetime_range()
    referrals = list(Referral.objects.all())
    received = [r for r in referrals if period.start <= r.received_on <= period.end]
    counts = selectors.quarter_counts(2026)
    assert counts["received"][quarter]["total"] == len(received)
    assert counts["closed"][quarter]["total"] == sum(
        1 for r in referrals if r.state == "closed" and start <= r.state_changed_at < end
    )
    for attribute, vocabulary in (
        ("age_bracket", AgeBracket),
        ("place_typology", PlaceTypology),
        ("family_involved", YesNoUnknown),
        ("released_from_prison", YesNoUnknown),
        ("family_asked_for_help", YesNoUnknown),
    ):
        expected = Counter(getattr(r, attribute) for r in received)
        assert counts["received"][quarter][attribute] == {
            code: expected[code] for code in vocabulary.values
        }

    domains, outcomes = Counter(), Counter()
    for track in SupportTrack.objects.all():
        if track.state in ENDED_STATES and start <= track.state_changed_at < end:
            domains[track.domain] += 1
            outcomes[track.outcome if track.state == "completed" else "interrupted"] += 1
    tracks = counts["tracks_ended"][quarter]
    assert tracks["total"] == sum(domains.values())
    assert tracks["domain"] == {code: domains[code] for code in SupportDomain.values}
    assert tracks["outcome"] == {code: outcomes[code] for code in (*Outcome.values, "interrupted")}


def test_the_data_fills_the_first_semester(data):
    """Guard against a vacuous comparison above: every table has non-zero counts."""
    counts = selectors.quarter_counts(2026)
    assert counts["received"][1]["total"] >= 5 and counts["received"][2]["total"] >= 1
    assert sum(counts["closed"][q]["total"] for q in (1, 2)) >= 1
    assert sum(counts["tracks_ended"][q]["total"] for q in (1, 2)) >= 2


@pytest.mark.django_db
def test_time_in_current_state_counts_until_now(cast, clock):
    build(cast, Case(state="in_assessment", received_on=date(2026, 1, 5), step_days=2), clock)
    now = clock.now() + timedelta(days=10)
    durations = selectors.time_in_state(Filters(), now)
    assert durations["received"].median == timedelta(days=2)
    assert durations["in_assessment"].median == timedelta(days=10)
    assert durations["in_assessment"].p90 == timedelta(days=10)
