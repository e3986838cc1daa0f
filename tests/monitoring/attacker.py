"""A strategic-group member who subtracts tables: the attacker of the disclosure tests.

No database. A year of *records* (one per referral received, referral closed or track ended:
its quarter, its coded attributes, and the publication run from which it is known -- late ones
arrive after their quarter was released) goes through a *publisher*, which returns every figure
ever published, each saying what it counts:

    Figure(population, quarters, restrict, cutoff, value, label)

``restrict`` maps attributes to the category counted (empty: a margin, the period's total);
``cutoff[q]`` is the last run whose records of quarter ``q`` the figure counts. The attacker
first checks each figure against the records (so a publisher cannot lie about what it counts),
then tries every sum and difference of up to three published figures, across periods, tables,
margins, populations and versions. A combination whose coefficient, atom by atom, is 0 or 1 is
the count of a set of records an outsider can describe (e.g. ``Y - Q4 - S1`` is "received in
Q3"): its value must not lie in ``1 .. k - 1``. Atoms are the finest cells an outsider can
name: population x run of arrival x quarter x every attribute.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from monitoring import disclosure
from monitoring.populations import POPULATIONS

RUNS = (1, 2, 3, 4, 5)  # run q releases quarter q; run 5 (later) only re-examines corrections
SPEC = {p.code: p for p in POPULATIONS}


@dataclass(frozen=True)
class Record:
    population: str
    quarter: int
    attributes: tuple[tuple[str, str], ...]  # (table, category) for every table of the population
    arrival: int = 0  # the first run that knows it; 0 means "on time" (the run of its quarter)

    @property
    def known_from(self) -> int:
        return self.arrival or self.quarter


@dataclass(frozen=True)
class Figure:
    population: str
    quarters: tuple[int, ...]
    restrict: tuple[tuple[str, str], ...]
    cutoff: tuple[tuple[int, int], ...]  # (quarter, last run counted)
    value: int
    label: str = ""


@dataclass
class Finding:
    value: int
    terms: list[tuple[int, Figure]] = field(default_factory=list)

    def __str__(self) -> str:
        parts = " ".join(
            f"{'+' if sign > 0 else '-'} {f.label}={f.value}" for sign, f in self.terms
        )
        return f"{parts} = {self.value}"


def record(population: str, quarter: int, arrival: int = 0, **attributes: str) -> Record:
    """A record; attributes not given take the first category of their table."""
    tables = dict(SPEC[population].tables)
    values = tuple((table, attributes.get(table, cats[0])) for table, cats in tables.items())
    return Record(population, quarter, values, arrival)


def live_counts(records: Iterable[Record], run: int) -> dict[str, dict[int, dict]]:
    """Counts per population and quarter of the records known at ``run``."""
    counts = {
        code: {q: disclosure.empty_counts(p) for q in disclosure.QUARTERS}
        for code, p in SPEC.items()
    }
    for rec in records:
        if rec.known_from <= run:
            cell = counts[rec.population][rec.quarter]
            cell["total"] += 1
            for table, category in rec.attributes:
                cell[table][category] += 1
    return counts


# --- the publisher under test ----------------------------------------------------------------
def publish_history(records: Sequence[Record], k: int, grain: str = "quarter") -> list[Figure]:
    """Every figure the release service would publish for the year: runs 1-4 at the end of
    each quarter, run 5 later (corrections only), each with the records known then."""
    state = disclosure.empty_year(POPULATIONS, grain)
    latest: dict[tuple[str, int], dict] = {}
    published: list[Figure] = []
    for run in RUNS:
        step = disclosure.advance_year(
            state, POPULATIONS, live_counts(records, run), last_ended=min(run, 4), k=k, event=run
        )
        state = step.state
        for key in step.periods:
            figures = disclosure.year_figures(state, POPULATIONS, key, k=k)
            if latest.get(key) == figures:
                continue
            latest[key] = figures
            published += _figures_of(state, key, figures)
    return published


def _figures_of(state, key, figures) -> list[Figure]:
    quarters = disclosure.PERIOD_QUARTERS[key]
    label = f"{key[0][0].upper()}{key[1] if key[0] != 'year' else ''}"
    result = []
    for code, population in SPEC.items():
        published = figures[code]
        # Which run's records each quarter counts: the run its block was last frozen at.
        cutoff = tuple(
            (q, b["as_of"]) for b in state[code]["blocks"] for q in b["quarters"] if q in quarters
        )
        version = f"{label}@{max((c for _q, c in cutoff), default=0)}"
        if published["total"] is not None:
            result.append(
                Figure(code, quarters, (), cutoff, published["total"], f"{version}.{code}")
            )
        for table, cats in population.tables:
            for cat in cats:
                value = published[table][cat]
                if value is not None:
                    result.append(
                        Figure(code, quarters, ((table, cat),), cutoff, value, f"{version}.{cat}")
                    )
    return result


PUBLISHER = {"publish": publish_history}  # replaceable, to attack another implementation


# --- the attacker ------------------------------------------------------------------------------
class Atoms:
    """The finest cells: population x arrival run x quarter x every attribute's category.

    Sets of atoms are Python integers (bit ``i`` for atom ``i``); ``masks[(key, value)]`` is
    the set of atoms whose ``key`` (population, run, quarter or a table) equals ``value``."""

    def __init__(self):
        self.masks: dict[tuple[str, object], int] = defaultdict(int)
        self.index: dict[tuple, int] = {}
        for code, population in SPEC.items():
            tables = [table for table, _cats in population.tables]
            for combo in itertools.product(
                RUNS, disclosure.QUARTERS, *(cats for _t, cats in population.tables)
            ):
                run_, quarter, *cats = combo
                bit = 1 << len(self.index)
                self.index[(code, run_, quarter, *cats)] = len(self.index)
                self.masks[("population", code)] |= bit
                self.masks[("run", run_)] |= bit
                self.masks[("quarter", quarter)] |= bit
                for table, cat in zip(tables, cats, strict=True):
                    self.masks[(table, cat)] |= bit
        self.up_to_run = {
            r: functools.reduce(operator.or_, (self.masks[("run", x)] for x in RUNS if x <= r), 0)
            for r in (0, *RUNS)
        }

    def bits(self, figure: Figure) -> int:
        counted = 0
        for quarter, last in figure.cutoff:
            counted |= self.masks[("quarter", quarter)] & self.up_to_run[last]
        bits = counted & self.masks[("population", figure.population)]
        for table, category in figure.restrict:
            bits &= self.masks[(table, category)]
        return bits

    def record_bit(self, rec: Record) -> int:
        cats = (category for _table, category in rec.attributes)
        return 1 << self.index[(rec.population, rec.known_from, rec.quarter, *cats)]


_ATOMS: Atoms | None = None


def atoms() -> Atoms:
    global _ATOMS
    if _ATOMS is None:
        _ATOMS = Atoms()
    return _ATOMS


def check_truthful(figures: Sequence[Figure], records: Sequence[Record]) -> None:
    """Each figure's value is the number of records in what it says it counts."""
    space = atoms()
    record_bits = [space.record_bit(rec) for rec in records]
    for figure in figures:
        bits = space.bits(figure)
        assert figure.value == sum(1 for b in record_bits if b & bits), figure


def attack(figures: Sequence[Figure], k: int) -> list[Finding]:
    """Every sum or difference of up to three published figures that is a derived count
    (0/1 over the atoms) lying in ``1 .. k - 1``.

    Sums without a minus sign are covered by the single figures: figures are non-negative, so
    a sum lies in ``1 .. k - 1`` only if one of its terms does. For the same reason a
    subtracted figure of value 0 adds nothing to the shorter combination, and is skipped."""
    space = atoms()
    unique: dict[tuple[int, int], Figure] = {}
    for figure in figures:
        unique.setdefault((space.bits(figure), figure.value), figure)
    items = [(bits, fig.value, fig) for (bits, _v), fig in unique.items()]
    by_value: Mapping[int, list[int]] = defaultdict(list)
    for index, (_bits, value, _fig) in enumerate(items):
        by_value[value].append(index)
    findings: list[Finding] = []

    def small(value: int) -> bool:
        return 0 < value < k

    def found(value, *terms):
        findings.append(Finding(value, [(sign, items[i][2]) for sign, i in terms]))

    n = len(items)
    for i, (a, va, _f) in enumerate(items):
        if small(va):
            found(va, (1, i))
        for j in range(n):
            if j == i:
                continue
            b, vb, _g = items[j]
            if b & ~a:
                continue  # a - b is a count only when b lies inside a
            if small(va - vb):
                found(va - vb, (1, i), (-1, j))
            # a - b - c: c inside a, disjoint from b.
            for value in range(max(1, va - vb - k + 1), va - vb):
                for m in by_value.get(value, ()):
                    c = items[m][0]
                    if m > j and m != i and not c & ~a and not c & b:
                        found(va - vb - value, (1, i), (-1, j), (-1, m))
    # a + b - c: counts where (a and b) lies in c and c lies in (a or b).
    for i, j in itertools.combinations(range(n), 2):
        a, va, _f = items[i]
        b, vb, _g = items[j]
        for value in range(max(1, va + vb - k + 1), va + vb):
            for m in by_value.get(value, ()):
                c = items[m][0]
                if m not in (i, j) and not (a & b) & ~c and not c & ~(a | b):
                    found(va + vb - value, (1, i), (1, j), (-1, m))
    return findings


def run(records: Sequence[Record], k: int, publisher: Callable | None = None):
    """Publish the year (``publish_history`` unless another publisher is given), check that
    every figure counts what it says, then attack."""
    figures = (publisher or PUBLISHER["publish"])(records, k)
    check_truthful(figures, records)
    return figures, attack(figures, k)
