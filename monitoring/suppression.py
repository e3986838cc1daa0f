"""Small-count suppression ("secret statistique") for published count tables.

A table of counts is published together with its row totals, column totals and grand total.
Seen as a grid with one extra row (column totals + grand total) and one extra column (row totals),
every line of that grid -- each row and each column -- states "the sum of the first entries equals
the last one". This module guarantees, for every table it returns:

* **primary suppression**: no published value (cell or total) lies in ``1 .. threshold - 1``;
  zero is published. Those values render as ``"< threshold"``;
* **fidelity**: every published value is the true count, nothing is rounded or perturbed;
* **complementary suppression**: no line of the grid contains exactly one suppressed value, so no
  suppressed value can be recovered by subtracting published values from a published total,
  even when an attacker re-uses values derived from other lines (a derivation needs a line with
  a single unknown, and there is none to start from). Complementary suppressions are values of
  ``threshold`` or more hidden only to protect a small one; they render as ``"s"`` (secret
  statistique), never as ``"< threshold"``, which would be false;
* **bounds**: the two markers tell a reader that a ``"< t"`` value lies in ``1 .. t - 1`` and
  (knowing this algorithm) that an ``"s"`` value is at least ``t``. Those bounds, propagated
  along the lines of the grid, must not pin a suppressed value to a single number (e.g. a
  series ``1, 1, 20`` with its total: two ``"< 5"`` cells summing to 2 are both 1). When they
  would, one more value of the pinned value's row or column is suppressed; when nothing is left
  to suppress there (e.g. a row of four 1s whose total is 4), the whole table is withheld.
  With a threshold of 2, ``"< 2"`` means 1 by definition: that pin is not counted;
* **no small table**: a table whose grand total lies in ``1 .. threshold - 1`` is *withheld*
  (``PublishedTable.withheld``): it must not be published at all, not even suppressed;
* **linked tables**: with ``public_total=True`` the grand total is never chosen as a
  complementary suppression, for tables whose total is published elsewhere (several
  breakdowns of the same population next to its head count);
* a table without any value in ``1 .. threshold - 1`` is published unchanged.

Only non-zero values are ever chosen as complementary suppressions: suppressing a zero protects
nothing (the hidden values could all be zero) and publishing one reveals nothing.

Out of scope: full linear-programming or integer-programming reconstruction across several lines
(beyond the interval propagation above), and linked tables that share more than their grand
total (e.g. two cross-tabulations with a common margin).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 5
TOTAL_LABEL = "Total"
SERIES_COLUMN_LABEL = "Effectif"
COMPLEMENTARY_MARK = "s"
# Interval propagation converges in a few passes on real tables; the cap only bounds the work.
_MAX_PROPAGATION_PASSES = 200


@dataclass(frozen=True)
class Suppressed:
    """Marker standing in for a hidden count.

    A primary suppression (a count in ``1 .. threshold - 1``) renders as ``"< threshold"``; a
    complementary one (a larger count hidden to protect a small one) renders as ``"s"``.
    """

    threshold: int
    complementary: bool = False

    def __str__(self) -> str:
        return COMPLEMENTARY_MARK if self.complementary else f"< {self.threshold}"


SUPPRESSED = Suppressed(DEFAULT_THRESHOLD)

Value = int | Suppressed


@dataclass(frozen=True)
class PublishedTable:
    """A count table that is safe to publish (see the module docstring for the guarantees).

    When ``withheld`` is true (grand total in ``1 .. threshold - 1``, or a suppressed value the
    markers' bounds would disclose) the table must not be published at all: show a notice
    instead of its values (every non-zero value of a withheld table is suppressed anyway).
    """

    row_labels: tuple
    column_labels: tuple
    cells: tuple[tuple[Value, ...], ...]
    row_totals: tuple[Value, ...]
    column_totals: tuple[Value, ...]
    grand_total: Value
    threshold: int = DEFAULT_THRESHOLD
    withheld: bool = False

    def rows(self) -> Iterator[tuple[object, tuple[Value, ...], Value]]:
        """Yield ``(label, cells, total)`` for each data row (the totals row is not included)."""
        yield from zip(self.row_labels, self.cells, self.row_totals, strict=True)

    def values(self) -> Iterator[Value]:
        """Every published value: cells, row totals, column totals and the grand total."""
        for _label, cells, total in self.rows():
            yield from cells
            yield total
        yield from self.column_totals
        yield self.grand_total

    @property
    def has_primary(self) -> bool:
        return any(isinstance(v, Suppressed) and not v.complementary for v in self.values())

    @property
    def has_complementary(self) -> bool:
        return any(isinstance(v, Suppressed) and v.complementary for v in self.values())

    @property
    def single_column(self) -> bool:
        return len(self.column_labels) == 1

    def display_rows(self) -> list[list[str]]:
        """Header, one row per label, then a "Total" row, every value rendered as text.

        A single-column table (a series) has no row-total column: it would repeat the cells.
        Pages, CSV exports and print views all render this same list.
        """
        with_totals = not self.single_column
        header = ["", *(str(label) for label in self.column_labels)]
        body = [[str(label), *(display(v) for v in cells)] for label, cells, _t in self.rows()]
        footer = [TOTAL_LABEL, *(display(v) for v in self.column_totals)]
        if with_totals:
            header.append(TOTAL_LABEL)
            for row, (_label, _cells, total) in zip(body, self.rows(), strict=True):
                row.append(display(total))
            footer.append(display(self.grand_total))
        return [header, *body, footer]

    def as_csv_rows(self) -> list[list[str]]:
        """Same as :meth:`display_rows` (kept for callers that think in CSV)."""
        return self.display_rows()


def display(value: Value) -> str:
    """Render a published value: the count itself, ``"< threshold"`` or ``"s"``."""
    if isinstance(value, Suppressed):
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int or Suppressed, got {value!r}")
    return str(value)


def suppress_count(value: int, *, threshold: int = DEFAULT_THRESHOLD) -> Value:
    """A single stand-alone count (published with no total or related cells)."""
    _validate([""], [""], [[value]], threshold)
    return Suppressed(threshold) if 0 < value < threshold else value


def suppress_table(
    *,
    row_labels: Sequence,
    column_labels: Sequence,
    counts: Sequence[Sequence[int]],
    threshold: int = DEFAULT_THRESHOLD,
    public_total: bool = False,
) -> PublishedTable:
    """Compute the totals of ``counts`` and return the table with primary and complementary
    suppression applied. ``counts[i][j]`` is the count for ``row_labels[i]`` x ``column_labels[j]``.
    ``public_total``: the grand total is published elsewhere, never suppress it.

    Raises ValueError for a threshold below 2, negative counts, or rows whose length does not
    match the labels.
    """
    _validate(row_labels, column_labels, counts, threshold)
    n_rows, n_cols = len(row_labels), len(column_labels)
    # Extended grid: last column holds row totals, last row column totals and the grand total.
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(grid[i][j] for i in range(n_rows)) for j in range(n_cols + 1)])

    primary = {
        (i, j) for i, row in enumerate(grid) for j, value in enumerate(row) if 0 < value < threshold
    }
    hidden = set(primary)
    withheld = 0 < grid[n_rows][n_cols] < threshold
    if not withheld:  # (every value of a small table is small: nothing more to protect)
        frozen = {(n_rows, n_cols)} if public_total else set()
        withheld = not _protect(grid, primary, hidden, threshold, frozen)
    if withheld:  # nothing is published: hide every non-zero value, should anyone try
        hidden |= {(i, j) for i, row in enumerate(grid) for j, value in enumerate(row) if value}

    def publish(i: int, j: int) -> Value:
        if (i, j) in hidden:
            return Suppressed(threshold, complementary=(i, j) not in primary)
        return grid[i][j]

    return PublishedTable(
        row_labels=tuple(row_labels),
        column_labels=tuple(column_labels),
        cells=tuple(tuple(publish(i, j) for j in range(n_cols)) for i in range(n_rows)),
        row_totals=tuple(publish(i, n_cols) for i in range(n_rows)),
        column_totals=tuple(publish(n_rows, j) for j in range(n_cols)),
        grand_total=publish(n_rows, n_cols),
        threshold=threshold,
        withheld=withheld,
    )


def suppress_series(
    *,
    labels: Sequence,
    counts: Sequence[int],
    threshold: int = DEFAULT_THRESHOLD,
    public_total: bool = False,
) -> PublishedTable:
    """Suppress a one-dimensional list of labelled counts (one column named "Effectif").

    Same guarantees as :func:`suppress_table`: in particular a single suppressed count with a
    published total forces a second suppression (the smallest other non-zero count, or the
    total when there is none).
    """
    if isinstance(counts, str | bytes) or not isinstance(counts, Sequence):
        raise ValueError("counts must be a list of integers")
    return suppress_table(
        row_labels=labels,
        column_labels=(SERIES_COLUMN_LABEL,),
        counts=[[count] for count in counts],
        threshold=threshold,
        public_total=public_total,
    )


def _validate(row_labels, column_labels, counts, threshold) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise ValueError(f"threshold must be an integer >= 2, got {threshold!r}")
    if len(counts) != len(row_labels):
        raise ValueError(f"{len(counts)} rows of counts for {len(row_labels)} row labels")
    for label, row in zip(row_labels, counts, strict=True):
        if len(row) != len(column_labels):
            raise ValueError(
                f"ragged table: row {label!r} has {len(row)} counts "
                f"for {len(column_labels)} column labels"
            )
        for count in row:
            if isinstance(count, bool) or not isinstance(count, int):
                raise ValueError(f"row {label!r}: counts must be integers, got {count!r}")
            if count < 0:
                raise ValueError(f"row {label!r}: negative count {count}")


Position = tuple[int, int]


class _Grid:
    """The extended grid, its lines (rows and columns, total last) and the hidden values."""

    def __init__(self, grid, primary: set[Position], hidden: set[Position], frozen=frozenset()):
        self.grid, self.primary, self.hidden, self.frozen = grid, primary, hidden, frozen
        height, width = len(grid), len(grid[0])
        self.rows = [[(i, j) for j in range(width)] for i in range(height)]
        self.columns = [[(i, j) for i in range(height)] for j in range(width)]

    def value(self, position: Position) -> int:
        return self.grid[position[0]][position[1]]

    def lines_of(self, position: Position) -> tuple[list[Position], list[Position]]:
        i, j = position
        return self.rows[i], self.columns[j]

    def crossing(self, position: Position, line: list[Position]) -> list[Position]:
        row, column = self.lines_of(position)
        return column if line is row else row

    def exposed(self, line: list[Position]) -> bool:
        return sum(position in self.hidden for position in line) == 1

    def publishable(self, line: list[Position]) -> list[Position]:
        """Published non-zero values of ``line`` that may become complementary suppressions."""
        return [
            p for p in line if p not in self.hidden and p not in self.frozen and self.value(p) > 0
        ]


def _protect(grid, primary: set[Position], hidden: set[Position], t: int, frozen) -> bool:
    """Add complementary suppressions to ``hidden`` until no line has exactly one hidden value
    and the markers' bounds pin no hidden value. False when that cannot be reached (the table
    must then be withheld).

    Terminates: each pass hides one more non-zero value of a finite grid.
    """
    g = _Grid(grid, primary, hidden, frozen)
    while True:
        if not _complete_suppression(g):
            return False
        bounds = propagate_bounds(grid, primary, hidden, t)
        pinned = [
            p
            for p in sorted(hidden)
            if bounds[p][0] == bounds[p][1] and not (p in primary and t == 2)
        ]
        if not pinned:
            return True
        position = _bounds_candidate(g, pinned, t)
        if position is None:
            return False
        hidden.add(position)


def _complete_suppression(g: _Grid) -> bool:
    """Hide values until no line of the grid has exactly one hidden value (False if stuck).

    A candidate always exists unless the grand total is frozen: in a line with a single hidden
    value v > 0, either v is the total (so some other entry is > 0) or v is a part (so the
    total is >= v > 0); hidden values are never zero. Each pass hides one more value.
    """
    while True:
        line = next((line for line in (*g.rows, *g.columns) if g.exposed(line)), None)
        if line is None:
            return True
        candidates = g.publishable(line)
        if not candidates:
            return False
        total = line[-1]
        # Prefer a part over the total, then one that also fixes its crossing line, then the
        # smallest count (least information lost); the position breaks ties deterministically.
        best = min(
            candidates,
            key=lambda p: (p == total, not g.exposed(g.crossing(p, line)), g.value(p), p),
        )
        g.hidden.add(best)


def _bounds_candidate(g: _Grid, pinned: list[Position], t: int) -> Position | None:
    """A value of a pinned value's row or column to hide so that it becomes uncertain again."""
    for position in pinned:
        for line in g.lines_of(position):
            candidates = g.publishable(line)
            if candidates:
                total = line[-1]
                # Prefer a part, then a count above t (hiding exactly t adds as much to the
                # sum of lower bounds as to the hidden sum, so a pin at the lower bounds stays).
                return min(candidates, key=lambda p: (p == total, g.value(p) <= t, g.value(p), p))
    return None


def propagate_bounds(
    grid: list[list[int]], primary: set[Position], hidden: set[Position], t: int
) -> dict[Position, tuple[float, float]]:
    """What a reader can infer about each hidden value of ``grid``: an interval.

    Starts from the markers (a primary value lies in ``1 .. t - 1``, a complementary one is at
    least ``t``) and narrows them along every line (sum of the parts = total) until nothing
    changes. A hidden value whose interval is a single number is disclosed.
    """
    g = _Grid(grid, primary, hidden)
    bounds = {p: [1, t - 1] if p in primary else [t, math.inf] for p in hidden}
    lines = [*g.rows, *g.columns]
    for _pass in range(_MAX_PROPAGATION_PASSES):
        changed = False
        for line in lines:
            total = line[-1]
            unknown = [p for p in line if p in hidden]
            for target in unknown:
                # sum(parts) - total = 0, so the target's interval follows from the others'.
                low = high = 0
                for p in line:
                    if p == target:
                        continue
                    p_low, p_high = bounds[p] if p in hidden else (g.value(p), g.value(p))
                    if p == total:
                        low, high = low - p_high, high - p_low
                    else:
                        low, high = low + p_low, high + p_high
                new_low, new_high = (low, high) if target == total else (-high, -low)
                interval = bounds[target]
                if new_low > interval[0]:
                    interval[0], changed = new_low, True
                if new_high < interval[1]:
                    interval[1], changed = new_high, True
        if not changed:
            break
    return {p: (low, high) for p, (low, high) in bounds.items()}
