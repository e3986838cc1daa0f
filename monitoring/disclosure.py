"""Disclosure control of the strategic group's indicators: one linked set per year.

Pure functions over counts (no database), used by the release service and by the attacker
tests. docs/monitoring.md explains the method and cites the practice it follows.

**Model.** Three populations are counted, each on its own: referrals *received* (broken down
by five coded attributes), referrals *closed* (a count only) and support tracks that *ended*
(by domain and by outcome). Every published figure of a year counts, for one population, the
units of some quarters (a quarter, a semester or the year), either all of them (a margin: the
period total, a key figure) or those of one category of one table (a cell).

**Blocks.** For each population and year, the quarters are grouped, as they end, into
*blocks*: a quarter joins the pending run; the run becomes a block when its total is 0 or at
least the threshold ``k`` (else it waits for the next quarter; a run still pending at the end
of the year is never published). Inside a block, each table's categories are grouped: every
category with a count in ``1 .. k-1`` is hidden, and more categories (the smallest non-zero
ones) are hidden until the hidden group totals at least ``k``; when one category holds the
whole block (a "100 %" cell, e.g. every referral released from prison), the whole table of the
block is hidden. So every *piece* of a block -- a published category, the hidden group, the
block total -- counts 0 or at least ``k`` units.

**Publication rule.** A figure is published only if it is a union of pieces: a period's
figures are published only when its quarters are a union of blocks, and a cell only when its
category is published in every block of the period. Everything else is hidden.

**Guarantee (any number of figures, not only three).** Take any linear combination of
published figures of one population whose coefficients, unit by unit, are 0 or 1 -- i.e. a
derived count of a set of units defined by the published categories and periods. Within one
block, two tables' categories can both vary only if the combination is not 0/1 (the attributes
are crossed: a + b takes at least three values when a and b each take two), so on each block
the combination depends on one table only and, being built from unions of that table's pieces,
is itself a union of pieces. Its value is a sum of piece counts, each 0 or at least ``k``: it
is never in ``1 .. k-1``. Populations are counted apart, so combining them yields no count.

**Versions.** Blocks are frozen when they close: a later release (e.g. the year) reuses the
frozen counts of earlier blocks, never live ones, so nothing recorded late leaks through a
coarser period. A late correction is published as a new version only when, for every block of
the population, the change of every piece is 0 or at least ``k`` and nothing decreased: the
difference between two versions is then itself a set of pieces of at least ``k`` units (the
same guarantee, with the version as one more crossed attribute). Otherwise the correction is
withheld, and re-examined at the next run (it may grow into a safe one).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

QUARTERS = (1, 2, 3, 4)
HIDDEN = None  # a hidden figure, in published figures and JSON


@dataclass(frozen=True)
class Population:
    """What is counted: a code and its tables (table code, category codes in display order)."""

    code: str
    tables: tuple[tuple[str, tuple[str, ...]], ...] = ()


# --- counts ------------------------------------------------------------------------------
def empty_counts(population: Population) -> dict:
    return {"total": 0, **{table: dict.fromkeys(cats, 0) for table, cats in population.tables}}


def add_counts(population: Population, parts: Sequence[Mapping]) -> dict:
    """The sum of several ``{"total": n, table: {category: n}}`` counts."""
    result = empty_counts(population)
    for part in parts:
        result["total"] += part["total"]
        for table, cats in population.tables:
            for cat in cats:
                result[table][cat] += part[table][cat]
    return result


def check_counts(population: Population, counts: Mapping) -> None:
    """Every table of ``counts`` covers the same units as its total (a broken selector must
    not publish margins that do not add up)."""
    for table, cats in population.tables:
        if sum(counts[table][cat] for cat in cats) != counts["total"]:
            raise ValueError(f"{population.code}.{table}: categories do not add up to the total")


# --- protecting one block ----------------------------------------------------------------
def hidden_categories(counts: Mapping[str, int], categories: Sequence[str], k: int) -> list[str]:
    """Categories of one table of one block to hide (see the module docstring).

    Guarantees, for a block total of 0 or at least ``k``: every published category counts 0 or
    at least ``k``, the hidden ones together count 0 or at least ``k``, and no single category
    holding the whole (non-zero) block is published.
    """
    total = sum(counts[cat] for cat in categories)
    if total == 0:
        return []
    if len(categories) > 1 and any(counts[cat] == total for cat in categories):
        return list(categories)  # a 100 % cell: hide the whole table of this block
    hidden = [cat for cat in categories if 0 < counts[cat] < k]
    if not hidden:
        return []
    while sum(counts[cat] for cat in hidden) < k:
        others = [cat for cat in categories if cat not in hidden and counts[cat] > 0]
        # Always found: the non-zero categories add up to the block total (>= k).
        smallest = min(others, key=lambda cat: (counts[cat], categories.index(cat)))
        hidden.append(smallest)
    return [cat for cat in categories if cat in hidden]


def _block(population: Population, quarters, counts: Mapping, k: int, event: int) -> dict:
    check_counts(population, counts)
    return {
        "quarters": list(quarters),
        "counts": copy.deepcopy(dict(counts)),
        "hidden": {
            table: hidden_categories(counts[table], cats, k) for table, cats in population.tables
        },
        "as_of": event,
    }


# --- the ledger of one population and year -----------------------------------------------
GRAINS = {"quarter": 1, "semester": 2, "year": 4}  # quarters per period of the grain


def empty_ledger(grain: str = "quarter") -> dict:
    """No quarter processed yet. JSON-serialisable, as every ledger. ``grain``: the finest
    period published this year (a run of quarters closes only at the end of such a period)."""
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}")
    return {"blocks": [], "pending": [], "processed": 0, "grain": grain}


def close_quarter(
    ledger: Mapping,
    population: Population,
    quarter: int,
    live: Mapping[int, Mapping],
    *,
    k: int,
    event: int,
) -> dict:
    """The ledger once ``quarter`` (the next one) has ended and is released.

    ``live[q]`` holds the counts of quarter ``q`` as known now, for ``quarter`` and every
    pending quarter. The pending run becomes a block when its total is 0 or at least ``k``.
    ``event`` identifies this release (it records when the block's counts were taken).
    """
    if quarter != ledger["processed"] + 1:
        raise ValueError(f"quarter {quarter} released out of order")
    result = copy.deepcopy(dict(ledger))
    result["pending"] = [*result["pending"], quarter]
    counts = add_counts(population, [live[q] for q in result["pending"]])
    ends_a_period = quarter % GRAINS[result["grain"]] == 0
    if ends_a_period and (counts["total"] == 0 or counts["total"] >= k):
        result["blocks"].append(_block(population, result["pending"], counts, k, event))
        result["pending"] = []
    result["processed"] = quarter
    return result


def figures(ledger: Mapping, population: Population, quarters: Sequence[int]) -> dict:
    """The published figures of a period (its ``quarters``, all processed).

    ``{"total": n | None, table: {category: n | None}, "withheld": bool}``; ``None`` is a
    hidden figure. ``withheld``: the period is not a union of blocks, nothing of this
    population is published for it.
    """
    if max(quarters) > ledger["processed"]:
        raise ValueError("a period is published only once all its quarters are released")
    wanted = set(quarters)
    blocks = [b for b in ledger["blocks"] if set(b["quarters"]) <= wanted]
    covered = {q for b in blocks for q in b["quarters"]}
    if covered != wanted:
        return {
            "total": HIDDEN,
            **{table: dict.fromkeys(cats, HIDDEN) for table, cats in population.tables},
            "withheld": True,
        }
    result = {"total": sum(b["counts"]["total"] for b in blocks), "withheld": False}
    for table, cats in population.tables:
        result[table] = {
            cat: (
                HIDDEN
                if any(cat in b["hidden"][table] for b in blocks)
                else sum(b["counts"][table][cat] for b in blocks)
            )
            for cat in cats
        }
    return result


@dataclass(frozen=True)
class Correction:
    """Outcome of :func:`correct`: ``status`` is ``unchanged``, ``applied`` or ``withheld``."""

    status: str
    ledger: dict


def _pieces(block: Mapping, population: Population, counts: Mapping) -> list[int]:
    """The piece counts of ``counts`` under ``block``'s pattern: each published category, the
    hidden group of each table, and the total for a population without tables."""
    if not population.tables:
        return [counts["total"]]
    pieces = []
    for table, cats in population.tables:
        hidden = block["hidden"][table]
        pieces += [counts[table][cat] for cat in cats if cat not in hidden]
        pieces.append(sum(counts[table][cat] for cat in hidden))
    return pieces


def correct(
    ledger: Mapping,
    population: Population,
    live: Mapping[int, Mapping],
    *,
    k: int,
    event: int,
) -> Correction:
    """Bring the frozen blocks up to the live counts, if that is safe to publish.

    ``applied`` when some count changed and, for every block, no count decreased and every
    piece changed by 0 or at least ``k`` (the blocks keep their hidden categories); ``withheld``
    otherwise (the ledger is returned unchanged); ``unchanged`` when nothing changed.
    """
    result = copy.deepcopy(dict(ledger))
    changed = False
    for block in result["blocks"]:
        now = add_counts(population, [live[q] for q in block["quarters"]])
        check_counts(population, now)
        before = block["counts"]
        if now == before:
            continue
        changed = True
        decreased = now["total"] < before["total"] or any(
            now[table][cat] < before[table][cat]
            for table, cats in population.tables
            for cat in cats
        )
        deltas = [
            after - earlier
            for after, earlier in zip(
                _pieces(block, population, now), _pieces(block, population, before), strict=True
            )
        ]
        if decreased or any(0 < delta < k for delta in deltas):
            return Correction("withheld", copy.deepcopy(dict(ledger)))
        block["counts"] = copy.deepcopy(dict(now))
        block["as_of"] = event
    return Correction("applied" if changed else "unchanged", result)


# --- periods -----------------------------------------------------------------------------
PERIOD_QUARTERS = {
    ("quarter", 1): (1,),
    ("quarter", 2): (2,),
    ("quarter", 3): (3,),
    ("quarter", 4): (4,),
    ("semester", 1): (1, 2),
    ("semester", 2): (3, 4),
    ("year", 1): (1, 2, 3, 4),
}


def periods_ending_with(quarter: int) -> list[tuple[str, int]]:
    """(kind, number) of the periods whose last quarter is ``quarter``."""
    return [key for key, quarters in PERIOD_QUARTERS.items() if quarters[-1] == quarter]


def choose_grain(previous_year_total: int, *, quarter_floor: int, semester_floor: int) -> str:
    """The year's finest period, from last year's referrals received (never from this year's
    counts: a grain chosen from them would itself reveal small counts)."""
    if previous_year_total >= quarter_floor:
        return "quarter"
    if previous_year_total >= semester_floor:
        return "semester"
    return "year"


# --- one publication run for a year --------------------------------------------------------
@dataclass(frozen=True)
class YearStep:
    """Outcome of :func:`advance_year`: the new ledgers (population code -> ledger), whether
    a correction was applied, the quarters released now, the populations whose correction is
    withheld, and the periods to (re)publish, as ``(kind, number)``."""

    state: dict
    corrected: bool
    new_quarters: tuple[int, ...]
    withheld: tuple[str, ...]
    periods: tuple[tuple[str, int], ...]

    @property
    def changed(self) -> bool:
        return self.corrected or bool(self.new_quarters)


def empty_year(populations: Sequence[Population], grain: str = "quarter") -> dict:
    return {p.code: empty_ledger(grain) for p in populations}


def advance_year(
    state: Mapping,
    populations: Sequence[Population],
    live: Mapping[str, Mapping[int, Mapping]],
    *,
    last_ended: int,
    k: int,
    event: int,
) -> YearStep:
    """One publication run: first re-examine the frozen blocks against the live counts
    (:func:`correct`, per population), then release every quarter up to ``last_ended`` not
    released yet (:func:`close_quarter`). The periods to publish are those ending with a new
    quarter and, after a correction, every period already released (a new version is written
    only where its figures changed)."""
    state = copy.deepcopy(dict(state))
    processed = state[populations[0].code]["processed"]
    new_quarters = tuple(q for q in QUARTERS if processed < q <= last_ended)
    corrected, withheld = False, []
    if processed:
        for population in populations:
            outcome = correct(
                state[population.code], population, live[population.code], k=k, event=event
            )
            if outcome.status == "applied":
                state[population.code], corrected = outcome.ledger, True
            elif outcome.status == "withheld":
                withheld.append(population.code)
    for quarter in new_quarters:
        for population in populations:
            state[population.code] = close_quarter(
                state[population.code], population, quarter, live[population.code], k=k, event=event
            )
    periods = tuple(
        key
        for key, quarters in PERIOD_QUARTERS.items()
        if quarters[-1] in new_quarters or (corrected and quarters[-1] <= processed)
    )
    return YearStep(state, corrected, new_quarters, tuple(withheld), periods)


def year_figures(
    state: Mapping, populations: Sequence[Population], key: tuple[str, int], *, k: int
) -> dict:
    """The published figures of one period of the year, for every population.

    Last check before anything is stored: every published figure is 0 or at least ``k``
    (guaranteed by construction; a failure blocks the release, it never just warns)."""
    quarters = PERIOD_QUARTERS[key]
    result = {p.code: figures(state[p.code], p, quarters) for p in populations}
    for population in populations:
        published = result[population.code]
        values = [published["total"]]
        values += [v for table, _cats in population.tables for v in published[table].values()]
        if any(v is not None and 0 < v < k for v in values):
            raise ValueError(f"{population.code}: a published figure is below the threshold")
    return result


# --- schema of what is stored (no free text: codes, integers, None) -------------------------
def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_table_counts(population: Population, counts, *, allow_hidden: bool) -> None:
    if not isinstance(counts, Mapping) or set(counts) - {"total", "withheld"} - {
        t for t, _c in population.tables
    }:
        raise ValueError(f"{population.code}: unexpected keys")
    values = [counts["total"]]
    for table, cats in population.tables:
        if not isinstance(counts[table], Mapping) or set(counts[table]) != set(cats):
            raise ValueError(f"{population.code}.{table}: unexpected categories")
        values += list(counts[table].values())
    for value in values:
        if not (_is_count(value) or (allow_hidden and value is None)):
            raise ValueError(f"{population.code}: {value!r} is not a count")


def validate_figures(figures, populations: Sequence[Population]) -> None:
    """Raise ValueError unless ``figures`` is exactly what :func:`year_figures` returns."""
    if not isinstance(figures, Mapping) or set(figures) != {p.code for p in populations}:
        raise ValueError("unexpected populations")
    for population in populations:
        published = figures[population.code]
        _check_table_counts(population, published, allow_hidden=True)
        if not isinstance(published.get("withheld"), bool):
            raise ValueError(f"{population.code}: withheld must be a boolean")


def validate_year(state, populations: Sequence[Population]) -> None:
    """Raise ValueError unless ``state`` is a year of ledgers (codes, quarters, counts)."""
    if not isinstance(state, Mapping) or set(state) != {p.code for p in populations}:
        raise ValueError("unexpected populations")
    for population in populations:
        ledger = state[population.code]
        if not isinstance(ledger, Mapping) or set(ledger) != {
            "blocks",
            "pending",
            "processed",
            "grain",
        }:
            raise ValueError(f"{population.code}: unexpected ledger keys")
        if ledger["grain"] not in GRAINS:
            raise ValueError(f"{population.code}: unknown grain")
        if ledger["processed"] not in (0, *QUARTERS):
            raise ValueError(f"{population.code}: bad processed quarter")
        if not isinstance(ledger["pending"], list) or not set(ledger["pending"]) <= set(QUARTERS):
            raise ValueError(f"{population.code}: bad pending quarters")
        for block in ledger["blocks"]:
            if set(block) != {"quarters", "counts", "hidden", "as_of"}:
                raise ValueError(f"{population.code}: unexpected block keys")
            if not block["quarters"] or not set(block["quarters"]) <= set(QUARTERS):
                raise ValueError(f"{population.code}: bad block quarters")
            if not _is_count(block["as_of"]):
                raise ValueError(f"{population.code}: bad block event")
            _check_table_counts(population, block["counts"], allow_hidden=False)
            tables = dict(population.tables)
            if set(block["hidden"]) != set(tables) or any(
                not set(hidden) <= set(tables[table]) for table, hidden in block["hidden"].items()
            ):
                raise ValueError(f"{population.code}: bad hidden categories")
