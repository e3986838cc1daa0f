"""Property-based and example tests for monitoring.suppression (no database needed)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring.suppression import (
    SUPPRESSED,
    PublishedTable,
    Suppressed,
    display,
    suppress_count,
    suppress_series,
    suppress_table,
)

S5 = Suppressed(5)  # primary: a count in 1..4, shown "< 5"
C5 = Suppressed(5, complementary=True)  # complementary: a count >= 5, shown "s"

# Mostly small counts (where suppression happens), some large ones.
counts_st = st.one_of(
    st.integers(0, 12), st.integers(0, 12), st.integers(0, 12), st.integers(13, 500)
)
thresholds_st = st.integers(2, 10)


@st.composite
def tables(draw, values=counts_st):
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 6))
    row = st.lists(values, min_size=n_cols, max_size=n_cols)
    counts = draw(st.lists(row, min_size=n_rows, max_size=n_rows))
    return counts, draw(thresholds_st)


def make_table(counts, threshold):
    return suppress_table(
        row_labels=[f"r{i}" for i in range(len(counts))],
        column_labels=[f"c{j}" for j in range(len(counts[0]))],
        counts=counts,
        threshold=threshold,
    )


def make_series(counts, threshold):
    return suppress_series(
        labels=[f"l{i}" for i in range(len(counts))], counts=counts, threshold=threshold
    )


# --- helpers: flatten a table into keyed values and linear equations -------------------------


def true_values(counts):
    n_rows, n_cols = len(counts), len(counts[0])
    values = {("cell", i, j): counts[i][j] for i in range(n_rows) for j in range(n_cols)}
    values |= {("row", i): sum(counts[i]) for i in range(n_rows)}
    values |= {("col", j): sum(counts[i][j] for i in range(n_rows)) for j in range(n_cols)}
    values[("grand",)] = sum(map(sum, counts))
    return values


def published_values(table: PublishedTable):
    values = {("cell", i, j): v for i, row in enumerate(table.cells) for j, v in enumerate(row)}
    values |= {("row", i): v for i, v in enumerate(table.row_totals)}
    values |= {("col", j): v for j, v in enumerate(table.column_totals)}
    values[("grand",)] = table.grand_total
    return values


def equations(n_rows, n_cols):
    """(parts, total) pairs: sum(parts) == total."""
    eqs = [([("cell", i, j) for j in range(n_cols)], ("row", i)) for i in range(n_rows)]
    eqs += [([("cell", i, j) for i in range(n_rows)], ("col", j)) for j in range(n_cols)]
    eqs.append(([("row", i) for i in range(n_rows)], ("grand",)))
    eqs.append(([("col", j) for j in range(n_cols)], ("grand",)))
    return eqs


def attack(table: PublishedTable, *, iterate: bool):
    """Derive unknown values from lines with exactly one unknown (parts or total).

    Single pass: only published values are used. Iterated: derived values are fed back into the
    crossing lines until nothing new can be derived. Returns everything the attacker knows.
    """
    published = {k: v for k, v in published_values(table).items() if isinstance(v, int)}
    known = dict(published)
    eqs = equations(len(table.row_labels), len(table.column_labels))
    while True:
        basis = known if iterate else published
        derived = {}
        for parts, total in eqs:
            unknown = [k for k in (*parts, total) if k not in basis]
            if len(unknown) != 1:
                continue
            (target,) = unknown
            if target == total:
                derived[target] = sum(basis[k] for k in parts)
            else:
                derived[target] = basis[total] - sum(basis[k] for k in parts if k != target)
        new = {k: v for k, v in derived.items() if k not in known}
        known |= new
        if not new or not iterate:
            return known


def bounds_attack(table: PublishedTable, threshold: int):
    """What a reader infers from the markers: "< t" is in 1..t-1, "s" is >= t (every count
    below t is a primary suppression), narrowed along every line until nothing changes.

    Returns {key: [low, high]} for the suppressed values.
    """
    published = published_values(table)
    intervals = {
        k: [threshold, math.inf] if v.complementary else [1, threshold - 1]
        for k, v in published.items()
        if isinstance(v, Suppressed)
    }

    def interval(key):
        value = published[key]
        return intervals[key] if isinstance(value, Suppressed) else [value, value]

    eqs = equations(len(table.row_labels), len(table.column_labels))
    for _ in range(1000):
        changed = False
        for parts, total in eqs:
            for target in (*parts, total):
                if target not in intervals:
                    continue
                others = [interval(k) for k in parts if k != target]
                if target == total:
                    low = sum(lo for lo, _hi in others)
                    high = sum(hi for _lo, hi in others)
                else:
                    total_low, total_high = interval(total)
                    low = total_low - sum(hi for _lo, hi in others)
                    high = total_high - sum(lo for lo, _hi in others)
                current = intervals[target]
                if low > current[0]:
                    current[0], changed = low, True
                if high < current[1]:
                    current[1], changed = high, True
        if not changed:
            return intervals
    raise AssertionError("bounds propagation did not converge")


def assert_guarantees(counts, threshold, table):
    truth = true_values(counts)
    published = published_values(table)
    assert published.keys() == truth.keys()
    assert table.threshold == threshold
    if 0 < truth[("grand",)] < threshold:
        assert table.withheld, "a table below the threshold is never published"
    suppressed = {k for k, v in published.items() if isinstance(v, Suppressed)}
    for key, value in published.items():
        if isinstance(value, Suppressed):
            assert value.threshold == threshold
            assert truth[key] > 0, f"{key}: zeros are never suppressed"
            # "< t" only ever stands for a small count, "s" only for a larger one.
            assert value.complementary == (truth[key] >= threshold), (key, value, truth[key])
        else:
            assert not 0 < value < threshold, f"{key}={value} published below {threshold}"
            assert value == truth[key], f"{key} altered"
    for parts, total in equations(len(counts), len(counts[0])):
        hidden = sum(k in suppressed for k in parts)
        if total not in suppressed:
            assert hidden != 1, f"lone suppressed part next to published {total}"
    for iterate in (False, True):
        known = attack(table, iterate=iterate)
        assert all(known[k] == truth[k] for k in known), "attacker is unsound"
        recovered = suppressed & known.keys()
        assert not recovered, f"recovered {recovered} (iterate={iterate})"
    if not table.withheld:
        assert_bounds_protected(counts, threshold, table)


def assert_bounds_protected(counts, threshold, table):
    """No suppressed value of a published table is pinned by the markers' bounds (except by
    its own marker when the threshold is 2: "< 2" is 1)."""
    truth = true_values(counts)
    published = published_values(table)
    for key, (low, high) in bounds_attack(table, threshold).items():
        assert low <= truth[key] <= high, "bounds attacker is unsound"
        if threshold == 2 and not published[key].complementary:
            continue
        assert low < high, f"{key} pinned to {low} by the bounds of the markers"


# --- properties -----------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(tables())
def test_table_guarantees_hold(case):
    counts, threshold = case
    assert_guarantees(counts, threshold, make_table(counts, threshold))


@settings(max_examples=300, deadline=None)
@given(st.lists(counts_st, min_size=1, max_size=8), thresholds_st)
def test_series_guarantees_hold(counts, threshold):
    table = make_series(counts, threshold)
    assert table.column_labels == ("Effectif",)
    assert_guarantees([[c] for c in counts], threshold, table)


@settings(max_examples=300, deadline=None)
@given(st.lists(counts_st, min_size=1, max_size=8), thresholds_st)
def test_series_with_public_total_never_hide_it(counts, threshold):
    table = suppress_series(
        labels=[f"l{i}" for i in range(len(counts))],
        counts=counts,
        threshold=threshold,
        public_total=True,
    )
    assert_guarantees([[c] for c in counts], threshold, table)
    if not table.withheld:
        assert table.grand_total == sum(counts)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_table_without_small_counts_is_published_unchanged(data):
    threshold = data.draw(thresholds_st)
    safe = st.one_of(st.just(0), st.integers(threshold, 500))
    counts, _ = data.draw(tables(values=safe))
    table = make_table(counts, threshold)
    assert published_values(table) == true_values(counts)


@settings(max_examples=200, deadline=None)
@given(tables())
def test_suppression_is_deterministic_and_publishes_zeros(case):
    counts, threshold = case
    table = make_table(counts, threshold)
    assert table == make_table(counts, threshold)
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            if count == 0:
                assert table.cells[i][j] == 0


# --- examples ------------------------------------------------------------------------------


def test_2x2_example_with_one_small_cell():
    table = suppress_table(
        row_labels=["moins de 18 ans", "18 ans et plus"],
        column_labels=["social", "santé"],
        counts=[[3, 10], [20, 30]],
    )
    # Row 0 needs a 2nd suppression (10), which exposes column 1; column 0 takes 20, and
    # row 1 then takes 30, which also fixes column 1. All totals (13, 50 / 23, 40 / 63) stay.
    # Only the 3 is small ("< 5"); the others are complementary ("s").
    assert table == PublishedTable(
        row_labels=("moins de 18 ans", "18 ans et plus"),
        column_labels=("social", "santé"),
        cells=((S5, C5), (C5, C5)),
        row_totals=(13, 50),
        column_totals=(23, 40),
        grand_total=63,
        threshold=5,
        withheld=False,
    )


def test_zero_is_never_a_complement_so_totals_are_suppressed():
    table = suppress_table(
        row_labels=["a", "b"], column_labels=["x", "y"], counts=[[3, 10], [7, 0]]
    )
    # Row a hides 10, column x then hides 7. Row b and column y have only a 0 left besides
    # their hidden cell, so their totals go (7 and 10); the totals row and column then need a
    # second suppression each (column total 10, row total 13). Only the 0 and 20 remain.
    assert table.cells == ((S5, C5), (C5, 0))
    assert table.row_totals == (C5, C5)
    assert table.column_totals == (C5, C5)
    assert table.grand_total == 20


def test_series_example_suppresses_smallest_other_count():
    table = suppress_series(labels=["a", "b", "c"], counts=[3, 10, 12])
    assert table.cells == ((S5,), (C5,), (12,))
    assert table.column_totals == (25,)
    assert table.grand_total == 25
    # The page no longer claims "< 5" for the 10: the two hidden values sum to 13.
    assert table.display_rows() == [
        ["", "Effectif"],
        ["a", "< 5"],
        ["b", "s"],
        ["c", "12"],
        ["Total", "25"],
    ]


def test_small_table_is_withheld():
    table = suppress_series(labels=["a", "b", "c"], counts=[0, 3, 0], threshold=4)
    assert table.withheld
    assert table.cells == ((0,), (Suppressed(4),), (0,))
    assert table.grand_total == Suppressed(4)
    assert not suppress_series(labels=["a"], counts=[0]).withheld
    assert not suppress_series(labels=["a"], counts=[5]).withheld


def test_bounds_cannot_pin_two_small_cells():
    # "< 5", "< 5" and a published 20 with the total 22 would give away 1 and 1.
    table = suppress_series(labels=["a", "b", "c"], counts=[1, 1, 20])
    assert table.cells == ((S5,), (S5,), (C5,))
    assert table.grand_total == 22
    assert bounds_attack(table, 5) == {
        ("cell", 0, 0): [1, 4],
        ("cell", 1, 0): [1, 4],
        ("cell", 2, 0): [14, 20],
        ("row", 0): [1, 4],
        ("row", 1): [1, 4],
        ("row", 2): [14, 20],
    }


def test_bounds_cannot_pin_a_small_cell_and_its_complement():
    # "< 5" and "s" with the total 6 would give away 1 and 5: the total goes too.
    table = suppress_series(labels=["a", "b"], counts=[1, 5])
    assert table.cells == ((S5,), (C5,))
    assert table.grand_total == C5
    assert table.column_totals == (C5,)
    assert all(low < high for low, high in bounds_attack(table, 5).values())


def test_pin_that_no_suppression_can_undo_withholds_the_table():
    # Four 1s with a total of 4 are all "< 5": every value of the row is hidden already, yet
    # the reader knows four non-zero values summing to at most 4 are all 1.
    counts = [[1, 1, 1, 1], [9, 9, 9, 9]]
    table = suppress_table(row_labels=["a", "b"], column_labels=list("wxyz"), counts=counts)
    assert table.cells[0] == (S5, S5, S5, S5)
    assert table.withheld
    assert_guarantees(counts, 5, table)


def test_public_total_is_never_suppressed_and_a_pin_withholds():
    # 1 and 5 with the total 6 published elsewhere: "< 5" and "s" would give 1 and 5 away.
    table = suppress_series(labels=["a", "b"], counts=[1, 5], public_total=True)
    assert table.withheld
    table = suppress_series(labels=["a", "b", "c"], counts=[2, 5, 9], public_total=True)
    assert not table.withheld
    assert table.grand_total == 16
    assert table.cells == ((S5,), (C5,), (9,))


def test_empty_table_is_allowed():
    table = suppress_table(row_labels=[], column_labels=["x"], counts=[])
    assert table.column_totals == (0,)
    assert table.grand_total == 0
    assert not table.withheld


def test_suppress_count():
    assert suppress_count(0) == 0
    assert suppress_count(3) == S5
    assert suppress_count(5) == 5
    assert suppress_count(9, threshold=10) == Suppressed(10)
    with pytest.raises(ValueError, match="negative"):
        suppress_count(-1)


# --- rendering and validation ---------------------------------------------------------------


def test_suppressed_marker_and_display():
    assert str(SUPPRESSED) == "< 5"
    assert str(Suppressed(10)) == "< 10"
    assert display(Suppressed(3)) == "< 3"
    assert str(C5) == "s"
    assert display(Suppressed(3, complementary=True)) == "s"
    assert display(0) == "0"
    assert display(42) == "42"
    with pytest.raises(TypeError):
        display(True)


def test_rows_and_as_csv_rows():
    table = suppress_table(
        row_labels=["0-17", "18+"], column_labels=["social", "santé"], counts=[[3, 10], [20, 30]]
    )
    assert list(table.rows()) == [("0-17", (S5, C5), 13), ("18+", (C5, C5), 50)]
    assert table.has_primary and table.has_complementary
    assert (
        table.as_csv_rows()
        == table.display_rows()
        == [
            ["", "social", "santé", "Total"],
            ["0-17", "< 5", "s", "13"],
            ["18+", "s", "s", "50"],
            ["Total", "23", "40", "63"],
        ]
    )


def test_series_as_csv_rows_have_no_repeated_total_column():
    table = suppress_series(labels=["a", "b"], counts=[7, 0], threshold=3)
    assert not table.has_primary and not table.has_complementary
    assert table.as_csv_rows() == [
        ["", "Effectif"],
        ["a", "7"],
        ["b", "0"],
        ["Total", "7"],
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"counts": [[1, -2], [3, 4]]}, "negative count"),
        ({"counts": [[1, 2], [3]]}, "ragged"),
        ({"counts": [[1, 2]]}, "row labels"),
        ({"counts": [[1, 2], [3, 4]], "threshold": 1}, "threshold"),
        ({"counts": [[1, 2], [3, 4]], "threshold": 0}, "threshold"),
        ({"counts": [[1, 2.5], [3, 4]]}, "integers"),
    ],
)
def test_invalid_tables_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        suppress_table(row_labels=["a", "b"], column_labels=["x", "y"], **kwargs)


def test_invalid_series_raise_value_error():
    with pytest.raises(ValueError, match="negative count"):
        suppress_series(labels=["a"], counts=[-1])
    with pytest.raises(ValueError, match="threshold"):
        suppress_series(labels=["a"], counts=[1], threshold=1)
    with pytest.raises(ValueError, match="row labels"):
        suppress_series(labels=["a", "b"], counts=[1])
