"""The strategic-group member who subtracts: no sum or difference of up to three published
figures -- across periods, tables, margins, key figures and versions -- gives a count between 1
and k - 1 (``tests/monitoring/attacker.py``). Property-based over random years of records, plus
the three attacks of issue 12 as fixed examples.
"""

from __future__ import annotations

import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring import disclosure
from tests.monitoring.attacker import (
    RUNS,
    SPEC,
    Figure,
    attack,
    live_counts,
    publish_history,
    record,
    run,
)

K = 5
AGES = dict(SPEC["received"].tables)["age_bracket"]


def skewed(categories):
    """Mostly the first categories: small cells appear, as in a real territory."""
    return st.integers(0, len(categories) - 1).map(
        lambda i: categories[min(i, len(categories) - 1)]
    ) | st.sampled_from(categories[:2])


@st.composite
def record_strategy(draw, population):
    quarter = draw(st.integers(1, 4))
    late = draw(st.integers(0, 9)) == 0  # one record in ten arrives after its quarter's release
    arrival = draw(st.integers(quarter + 1, RUNS[-1])) if late and quarter < 5 else 0
    attributes = {table: draw(skewed(categories)) for table, categories in SPEC[population].tables}
    return record(population, quarter, arrival, **attributes)


years = st.tuples(
    st.lists(record_strategy("received"), max_size=60),
    st.lists(record_strategy("closed"), max_size=25),
    st.lists(record_strategy("tracks_ended"), max_size=40),
    st.sampled_from([3, 5]),
    st.sampled_from(["quarter", "quarter", "semester", "year"]),
).map(lambda parts: ([*parts[0], *parts[1], *parts[2]], parts[3], parts[4]))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(years)
def test_no_published_combination_gives_a_small_count(year):
    records, k, grain = year
    figures, findings = run(records, k, functools.partial(publish_history, grain=grain))
    assert not findings, [str(f) for f in findings[:5]]


def quarter_of_received(quarter, count, arrival=0, **attributes):
    return [record("received", quarter, arrival, **attributes) for _ in range(count)]


def labels(figures: list[Figure]) -> set[str]:
    return {f.label for f in figures}


def test_year_minus_last_quarter():
    """Issue 12: year 2026 received = 15 and Q4 = 13, so Q3 = 2 (shown "< 5" on its page);
    "urban outside QPV": 6 - 5 = 1."""
    records = [
        *quarter_of_received(3, 1, place_typology="urban"),
        *quarter_of_received(3, 1, place_typology="rural"),
        *quarter_of_received(4, 5, place_typology="urban"),
        *quarter_of_received(4, 8, place_typology="priority_neighbourhood"),
    ]
    figures, findings = run(records, K)
    assert not findings, [str(f) for f in findings]
    received = {f.label: f.value for f in figures if f.restrict == () and "received" in f.label}
    # Q3 and Q4 form one block: the year and the second semester are published, not Q3/Q4.
    assert received["Y@4.received"] == 15 and received["S2@4.received"] == 15
    assert not any(label.startswith(("Q3", "Q4")) for label in received)


def test_semester_minus_quarter():
    """Issue 12: Q1 ages [3, 10, 8, 0, 0], Q2 [6, 9, 7, 0, 0], S1 [9, 19, 15, 0, 0]: S1 - Q2
    gave back the 3 (and the 8, hidden on Q1's page)."""
    records = []
    for quarter, counts in ((1, (3, 10, 8, 0, 0)), (2, (6, 9, 7, 0, 0))):
        for age, n in zip(AGES, counts, strict=True):
            records += quarter_of_received(quarter, n, age_bracket=age)
    figures, findings = run(records, K)
    assert not findings, [str(f) for f in findings]
    by_label = {f.label: f.value for f in figures}
    s1_ages = {f.restrict[0][1] for f in figures if f.restrict and f.label.startswith("S1")}
    # Hidden in Q1 (the 3, and the 8 that protects it), so hidden in S1 too.
    assert AGES[0] not in s1_ages and AGES[2] not in s1_ages
    # What stays published: Q2 in full, the S1 ages published in both quarters.
    assert by_label[f"Q2@2.{AGES[0]}"] == 6
    assert by_label[f"S1@2.{AGES[1]}"] == 19


def test_a_referral_recorded_late_is_not_revealed_by_a_new_version():
    """Issue 12: two views of a table a day apart gave away the attributes of the one referral
    received in between. Releases are frozen; one late referral is withheld, not published as a
    new version (a new version would differ by one person)."""
    records = [
        *quarter_of_received(1, 10, age_bracket=AGES[1]),
        *quarter_of_received(1, 1, arrival=2, age_bracket=AGES[0], released_from_prison="yes"),
    ]
    figures, findings = run(records, K)
    assert not findings, [str(f) for f in findings]
    q1_totals = {f.value for f in figures if f.label.startswith("Q1@") and f.restrict == ()}
    assert 11 not in q1_totals  # the late referral never shows in Q1
    # But five late referrals of one category are a safe correction: Q1 gets a version 2.
    records += quarter_of_received(1, 4, arrival=3, age_bracket=AGES[0])
    records += quarter_of_received(1, 5, arrival=3, age_bracket=AGES[1])
    figures, findings = run(records, K)
    assert not findings, [str(f) for f in findings]
    assert {f.label for f in figures if f.label.startswith("Q1@3")}, "no version 2 of Q1"


def naive_publisher(records, k):
    """Live tables, each period on its own, small cells hidden: what issue 12 found."""
    figures = []
    for run_ in RUNS:
        counts = live_counts(records, run_)
        for key, quarters in disclosure.PERIOD_QUARTERS.items():
            if quarters[0] > min(run_, 4):
                continue
            cutoff = tuple((q, run_) for q in quarters)
            for code, population in SPEC.items():
                summed = disclosure.add_counts(population, [counts[code][q] for q in quarters])
                cells = [((), summed["total"])]
                for table, cats in population.tables:
                    cells += [(((table, cat),), summed[table][cat]) for cat in cats]
                for restrict, value in cells:
                    if not 0 < value < k:
                        figures.append(
                            Figure(code, quarters, restrict, cutoff, value, f"{key}@{run_}")
                        )
    return figures


def test_the_attacker_finds_the_issue_12_attacks_on_live_tables():
    """The attacker is not vacuous: on live per-period tables it finds Y - Q4 = 2."""
    records = [*quarter_of_received(3, 2), *quarter_of_received(4, 13)]
    figures = naive_publisher(records, K)
    findings = attack(figures, K)
    assert any(f.value == 2 for f in findings)
    assert publish_history(records, K)  # and the release publisher does publish something
