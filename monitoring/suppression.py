"""Small-count suppression ("secret statistique") for published count tables.

A table of counts is published together with its row totals, column totals and grand total.
Seen as a grid with one extra row (column totals + grand total) and one extra column (row totals),
every line of that grid -- each row and each column -- states "the sum of the first entries equals
the last one". This module guarantees, for every table it returns:

* **primary suppression**: no published value (cell or total) lies in ``1 .. threshold - 1``;
  zero is published;
* **fidelity**: every published value is the true count, nothing is rounded or perturbed;
* **complementary suppression**: no line of the grid contains exactly one suppressed value, so no
  suppressed value can be recovered by subtracting published values from a published total,
  even when an attacker re-uses values derived from other lines (a derivation needs a line with
  a single unknown, and there is none to start from);
* a table without any value in ``1 .. threshold - 1`` is published unchanged.

Only non-zero values are ever chosen as complementary suppressions: suppressing a zero protects
nothing (the hidden values could all be zero) and publishing one reveals nothing.

Out of scope: attacks using bounds (e.g. two suppressed cells known to be >= 1 whose sum is 2)
or full linear-algebra/integer-programming reconstruction across several lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 5
TOTAL_LABEL = "Total"
SERIES_COLUMN_LABEL = "Effectif"


@dataclass(frozen=True)
class Suppressed:
    """Marker standing in for a hidden count; renders as ``"< {threshold}"``."""

    threshold: int

    def __str__(self) -> str:
        return f"< {self.threshold}"


SUPPRESSED = Suppressed(DEFAULT_THRESHOLD)

Value = int | Suppressed


@dataclass(frozen=True)
class PublishedTable:
    """A count table that is safe to publish (see the module docstring for the guarantees)."""

    row_labels: tuple
    column_labels: tuple
    cells: tuple[tuple[Value, ...], ...]
    row_totals: tuple[Value, ...]
    column_totals: tuple[Value, ...]
    grand_total: Value

    def rows(self) -> Iterator[tuple[object, tuple[Value, ...], Value]]:
        """Yield ``(label, cells, total)`` for each data row (the totals row is not included)."""
        yield from zip(self.row_labels, self.cells, self.row_totals, strict=True)

    def as_csv_rows(self) -> list[list[str]]:
        """Header, one row per label, then a "Total" row; suppressed values render as "< n"."""
        header = ["", *(str(label) for label in self.column_labels), TOTAL_LABEL]
        body = [
            [str(label), *(display(v) for v in cells), display(total)]
            for label, cells, total in self.rows()
        ]
        footer = [TOTAL_LABEL, *(display(v) for v in self.column_totals), display(self.grand_total)]
        return [header, *body, footer]


def display(value: Value) -> str:
    """Render a published value: the count itself, or ``"< threshold"`` when suppressed."""
    if isinstance(value, Suppressed):
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int or Suppressed, got {value!r}")
    return str(value)


def suppress_table(
    *,
    row_labels: Sequence,
    column_labels: Sequence,
    counts: Sequence[Sequence[int]],
    threshold: int = DEFAULT_THRESHOLD,
) -> PublishedTable:
    """Compute the totals of ``counts`` and return the table with primary and complementary
    suppression applied. ``counts[i][j]`` is the count for ``row_labels[i]`` x ``column_labels[j]``.

    Raises ValueError for a threshold below 2, negative counts, or rows whose length does not
    match the labels.
    """
    _validate(row_labels, column_labels, counts, threshold)
    n_rows, n_cols = len(row_labels), len(column_labels)
    # Extended grid: last column holds row totals, last row column totals and the grand total.
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(grid[i][j] for i in range(n_rows)) for j in range(n_cols + 1)])

    hidden = {
        (i, j) for i, row in enumerate(grid) for j, value in enumerate(row) if 0 < value < threshold
    }
    _complete_suppression(grid, hidden)

    def publish(i: int, j: int) -> Value:
        return Suppressed(threshold) if (i, j) in hidden else grid[i][j]

    return PublishedTable(
        row_labels=tuple(row_labels),
        column_labels=tuple(column_labels),
        cells=tuple(tuple(publish(i, j) for j in range(n_cols)) for i in range(n_rows)),
        row_totals=tuple(publish(i, n_cols) for i in range(n_rows)),
        column_totals=tuple(publish(n_rows, j) for j in range(n_cols)),
        grand_total=publish(n_rows, n_cols),
    )


def suppress_series(
    *, labels: Sequence, counts: Sequence[int], threshold: int = DEFAULT_THRESHOLD
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


def _complete_suppression(grid: list[list[int]], hidden: set[Position]) -> None:
    """Add complementary suppressions to ``hidden`` until no line of ``grid`` has exactly one.

    Terminates: each pass hides one more value, and a candidate always exists. In a line with a
    single hidden value v > 0, either v is the total (so some other entry is > 0) or v is a part
    (so the total is >= v > 0); hidden values are never zero.
    """
    height, width = len(grid), len(grid[0])
    rows = [[(i, j) for j in range(width)] for i in range(height)]
    columns = [[(i, j) for i in range(height)] for j in range(width)]

    def exposed(line: list[Position]) -> bool:
        return sum(position in hidden for position in line) == 1

    def crossing(position: Position, line: list[Position]) -> list[Position]:
        i, j = position
        return columns[j] if line is rows[i] else rows[i]

    while True:
        line = next((line for line in (*rows, *columns) if exposed(line)), None)
        if line is None:
            return
        total = line[-1]
        candidates = [p for p in line if p not in hidden and grid[p[0]][p[1]] > 0]
        # Prefer a part over the total, then one that also fixes its crossing line, then the
        # smallest count (least information lost); the position breaks ties deterministically.
        best = min(
            candidates,
            key=lambda p: (
                p == total,
                not exposed(crossing(p, line)),
                grid[p[0]][p[1]],
                p,
            ),
        )
        hidden.add(best)
