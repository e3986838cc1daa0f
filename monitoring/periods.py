"""Reporting periods of the plan's indicators: quarters, semesters and years.

Written ``2026-Q3`` (or ``2026-T3``, French *trimestre*), ``2026-S2`` and ``2026``. Anything
else is refused with a French message (``PeriodError``), never a server error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FIRST_YEAR = 2000
LAST_YEAR = 2100
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?P<kind>[QTS])(?P<number>\d))?$")


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", gettext_lazy("Trimestre")
    SEMESTER = "semester", gettext_lazy("Semestre")
    YEAR = "year", gettext_lazy("Année")


_MONTHS = {PeriodKind.QUARTER: 3, PeriodKind.SEMESTER: 6, PeriodKind.YEAR: 12}


class PeriodError(ValueError):
    """An unknown or malformed period; its message is French and meant for the user."""


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: ``start`` is its first day, ``end`` its last day (inclusive)."""

    kind: str
    start: date

    def __post_init__(self):
        if self.kind not in _MONTHS:
            raise PeriodError(_("Type de période inconnu."))
        span = _MONTHS[self.kind]
        if self.start.day != 1 or (self.start.month - 1) % span:
            raise PeriodError(_("Cette date ne commence pas une période de ce type."))

    @classmethod
    def containing(cls, day: date, kind: str = PeriodKind.QUARTER) -> Period:
        span = _MONTHS[kind]
        return cls(kind, date(day.year, (day.month - 1) // span * span + 1, 1))

    @property
    def end(self) -> date:
        return self.end_exclusive - timedelta(days=1)

    @property
    def end_exclusive(self) -> date:
        return _add_months(self.start, _MONTHS[self.kind])

    @property
    def number(self) -> int:
        return (self.start.month - 1) // _MONTHS[self.kind] + 1

    @property
    def code(self) -> str:
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{self.number}"
        if self.kind == PeriodKind.SEMESTER:
            return f"{self.start.year}-S{self.number}"
        return str(self.start.year)

    @property
    def label(self) -> str:
        year = self.start.year
        if self.kind == PeriodKind.QUARTER:
            if self.number == 1:
                return _("1er trimestre %(year)s") % {"year": year}
            return _("%(n)se trimestre %(year)s") % {"n": self.number, "year": year}
        if self.kind == PeriodKind.SEMESTER:
            if self.number == 1:
                return _("1er semestre %(year)s") % {"year": year}
            return _("2e semestre %(year)s") % {"year": year}
        return _("Année %(year)s") % {"year": year}

    def previous(self) -> Period:
        return Period(self.kind, _add_months(self.start, -_MONTHS[self.kind]))

    def next(self) -> Period:
        return Period(self.kind, self.end_exclusive)

    def datetime_range(self) -> tuple[datetime, datetime]:
        """The period as aware datetimes ``[start, end)`` in the current time zone."""
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end_exclusive, time.min, tzinfo=tz),
        )

    def has_started(self, today: date | None = None) -> bool:
        return self.start <= (today or timezone.localdate())

    def __str__(self) -> str:
        return self.code


def current_quarter(today: date | None = None) -> Period:
    return Period.containing(today or timezone.localdate(), PeriodKind.QUARTER)


def parse_period(value, *, today: date | None = None, allow_future: bool = False) -> Period:
    """``"2026-Q3"``, ``"2026-T3"``, ``"2026-S2"`` or ``"2026"`` as a Period.

    Empty or missing means the current quarter. Raises PeriodError (French message) for
    anything else, a year outside 2000–2100, or a period that has not started yet (unless
    ``allow_future``).
    """
    today = today or timezone.localdate()
    if value is None or (isinstance(value, str) and not value.strip()):
        return current_quarter(today)
    if not isinstance(value, str):
        raise PeriodError(_("Période invalide."))
    text = value.strip().upper()
    match = _PATTERN.match(text)
    example = _("Période inconnue : utilisez par exemple 2026-Q3, 2026-S2 ou 2026.")
    if not match:
        raise PeriodError(example)
    year = int(match["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(
            _("Année hors limites : choisissez entre %(first)s et %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    kind_letter, number = match["kind"], int(match["number"] or 1)
    if kind_letter is None:
        period = Period(PeriodKind.YEAR, date(year, 1, 1))
    elif kind_letter in "QT":
        if not 1 <= number <= 4:
            raise PeriodError(_("Un trimestre est numéroté de 1 à 4."))
        period = Period(PeriodKind.QUARTER, date(year, 3 * (number - 1) + 1, 1))
    else:
        if not 1 <= number <= 2:
            raise PeriodError(_("Un semestre est numéroté 1 ou 2."))
        period = Period(PeriodKind.SEMESTER, date(year, 6 * (number - 1) + 1, 1))
    if not allow_future and not period.has_started(today):
        raise PeriodError(_("La période %(period)s n'a pas encore commencé.") % {"period": period})
    return period


def recent_periods(today: date | None = None) -> list[Period]:
    """The periods offered in the selectors: 8 quarters, 4 semesters, 3 years (latest first)."""
    today = today or timezone.localdate()
    choices = []
    for kind, count in ((PeriodKind.QUARTER, 8), (PeriodKind.SEMESTER, 4), (PeriodKind.YEAR, 3)):
        period = Period.containing(today, kind)
        for _i in range(count):
            choices.append(period)
            period = period.previous()
    return choices
