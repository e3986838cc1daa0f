"""Reporting periods: parsing, labels and bounds; anything else is refused in French."""

from datetime import date

import pytest

from monitoring.periods import (
    Period,
    PeriodError,
    PeriodKind,
    current_quarter,
    parse_period,
    recent_periods,
)

TODAY = date(2026, 8, 14)


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "code", "label"),
    [
        (
            "2026-Q3",
            PeriodKind.QUARTER,
            date(2026, 7, 1),
            date(2026, 9, 30),
            "2026-Q3",
            "3e trimestre 2026",
        ),
        (
            "2026-q1",
            PeriodKind.QUARTER,
            date(2026, 1, 1),
            date(2026, 3, 31),
            "2026-Q1",
            "1er trimestre 2026",
        ),
        (
            " 2025-T4 ",
            PeriodKind.QUARTER,
            date(2025, 10, 1),
            date(2025, 12, 31),
            "2025-Q4",
            "4e trimestre 2025",
        ),
        (
            "2026-S2",
            PeriodKind.SEMESTER,
            date(2026, 7, 1),
            date(2026, 12, 31),
            "2026-S2",
            "2e semestre 2026",
        ),
        (
            "2024-S1",
            PeriodKind.SEMESTER,
            date(2024, 1, 1),
            date(2024, 6, 30),
            "2024-S1",
            "1er semestre 2024",
        ),
        ("2025", PeriodKind.YEAR, date(2025, 1, 1), date(2025, 12, 31), "2025", "Année 2025"),
    ],
)
def test_parse_period(text, kind, start, end, code, label):
    period = parse_period(text, today=TODAY)
    assert (period.kind, period.start, period.end, period.code, period.label) == (
        kind,
        start,
        end,
        code,
        label,
    )
    assert parse_period(period.code, today=TODAY) == period


def test_default_is_the_current_quarter():
    assert parse_period("", today=TODAY) == parse_period(None, today=TODAY)
    assert (
        parse_period("", today=TODAY)
        == current_quarter(TODAY)
        == Period("quarter", date(2026, 7, 1))
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-Q5", "Un trimestre est numéroté de 1 à 4."),
        ("2026-Q0", "Un trimestre est numéroté de 1 à 4."),
        ("2026-S3", "Un semestre est numéroté 1 ou 2."),
        ("1999", "Année hors limites"),
        ("2026-Q4", "n'a pas encore commencé"),
        ("2027", "n'a pas encore commencé"),
        ("T3 2026", "Période inconnue"),
        ("2026-07", "Période inconnue"),
        ("2026-Q3; DROP TABLE", "Période inconnue"),
        ("<script>", "Période inconnue"),
        ("2026-M1", "Période inconnue"),
    ],
)
def test_bad_periods_are_refused_in_french(text, message):
    with pytest.raises(PeriodError, match=message):
        parse_period(text, today=TODAY)


def test_future_period_allowed_on_request():
    assert parse_period("2027", today=TODAY, allow_future=True).start == date(2027, 1, 1)


def test_period_arithmetic():
    q1 = Period(PeriodKind.QUARTER, date(2026, 1, 1))
    assert q1.previous() == Period(PeriodKind.QUARTER, date(2025, 10, 1))
    assert q1.next() == Period(PeriodKind.QUARTER, date(2026, 4, 1))
    assert Period.containing(date(2026, 12, 31), PeriodKind.SEMESTER).code == "2026-S2"
    assert Period.containing(date(2026, 2, 28), PeriodKind.YEAR).end_exclusive == date(2027, 1, 1)
    with pytest.raises(PeriodError):
        Period(PeriodKind.QUARTER, date(2026, 2, 1))
    with pytest.raises(PeriodError):
        Period("month", date(2026, 2, 1))


def test_recent_periods_are_started_and_distinct():
    periods = recent_periods(TODAY)
    assert len(periods) == len(set(periods)) == 15
    assert all(p.has_started(TODAY) for p in periods)
    assert periods[0] == current_quarter(TODAY)
