"""The rules of monitoring.disclosure on small examples (no database)."""

from __future__ import annotations

import pytest

from monitoring import disclosure
from monitoring.disclosure import Population

K = 5
AGE = Population("p", (("age", ("a", "b", "c", "d")),))


def counts(*cells):
    return {"total": sum(cells), "age": dict(zip("abcd", cells, strict=True))}


@pytest.mark.parametrize(
    ("cells", "hidden"),
    [
        ((10, 7, 0, 0), []),  # nothing small: published as is
        ((3, 10, 8, 0), ["a", "c"]),  # the 3, and the smallest other (8) to protect it
        ((1, 1, 20, 0), ["a", "b", "c"]),  # 1 + 1 < 5: the 20 joins the hidden group
        ((2, 3, 9, 0), ["a", "b"]),  # 2 + 3 = 5: enough
        ((0, 0, 7, 0), ["a", "b", "c", "d"]),  # a "100 %" cell: the whole table is hidden
        ((0, 0, 0, 0), []),
    ],
)
def test_hidden_categories(cells, hidden):
    found = disclosure.hidden_categories(counts(*cells)["age"], ("a", "b", "c", "d"), K)
    assert found == hidden
    shown = [n for cat, n in zip("abcd", cells, strict=True) if cat not in found]
    assert all(n == 0 or n >= K for n in shown)
    assert sum(n for cat, n in zip("abcd", cells, strict=True) if cat in found) in (
        0,
        *range(K, 99),
    )


def close(ledger, quarter, live, event=None):
    return disclosure.close_quarter(ledger, AGE, quarter, live, k=K, event=event or quarter)


def test_a_small_quarter_waits_for_the_next_one():
    live = {
        1: counts(6, 6, 0, 0),
        2: counts(2, 0, 0, 0),
        3: counts(1, 4, 0, 0),
        4: counts(0, 1, 0, 0),
    }
    ledger = disclosure.empty_ledger()
    for quarter in (1, 2, 3, 4):
        ledger = close(ledger, quarter, live)
    assert [b["quarters"] for b in ledger["blocks"]] == [[1], [2, 3]]
    assert ledger["pending"] == [4]  # 1 referral at the year's end: never published
    q2 = disclosure.figures(ledger, AGE, (2,))
    assert q2["withheld"] and q2["total"] is None
    s2 = disclosure.figures(ledger, AGE, (3, 4))
    year = disclosure.figures(ledger, AGE, (1, 2, 3, 4))
    assert s2["withheld"] and year["withheld"]
    assert disclosure.figures(ledger, AGE, (1,))["total"] == 12


def test_coarser_periods_keep_every_hidden_cell_hidden():
    live = {1: counts(3, 10, 8, 0), 2: counts(6, 9, 7, 0)}
    ledger = close(close(disclosure.empty_ledger(), 1, live), 2, live)
    s1 = disclosure.figures(ledger, AGE, (1, 2))
    assert s1["total"] == 43
    assert s1["age"] == {"a": None, "b": 19, "c": None, "d": 0}


def test_quarters_are_released_in_order():
    with pytest.raises(ValueError):
        close(disclosure.empty_ledger(), 2, {2: counts(5, 5, 0, 0)})
    with pytest.raises(ValueError):
        disclosure.figures(disclosure.empty_ledger(), AGE, (1,))


def test_tables_that_do_not_add_up_are_refused():
    with pytest.raises(ValueError):
        close(disclosure.empty_ledger(), 1, {1: {"total": 9, "age": dict.fromkeys("abcd", 1)}})


@pytest.mark.parametrize(
    ("late", "status"),
    [
        ((0, 0, 0, 0), "unchanged"),
        ((1, 0, 0, 0), "withheld"),  # one person: the new version would point at them
        ((0, 5, 0, 0), "applied"),  # five in a published category: safe
        ((2, 0, 3, 0), "applied"),  # five in the hidden group (a, c): safe
        ((2, 0, 2, 0), "withheld"),  # four in the hidden group
        ((0, 5, 0, 1), "withheld"),  # the 1 in d (a published 0) is a change of one
    ],
)
def test_corrections(late, status):
    on_time = {1: counts(3, 10, 8, 0)}
    ledger = close(disclosure.empty_ledger(), 1, on_time)
    now = {1: counts(*(a + b for a, b in zip((3, 10, 8, 0), late, strict=True)))}
    outcome = disclosure.correct(ledger, AGE, now, k=K, event=2)
    assert outcome.status == status
    if status == "applied":
        assert outcome.ledger["blocks"][0]["hidden"] == ledger["blocks"][0]["hidden"]
        assert outcome.ledger["blocks"][0]["as_of"] == 2
    else:
        assert outcome.ledger == ledger


def test_a_decrease_is_withheld():
    ledger = close(disclosure.empty_ledger(), 1, {1: counts(10, 10, 0, 0)})
    outcome = disclosure.correct(ledger, AGE, {1: counts(5, 10, 0, 0)}, k=K, event=2)
    assert outcome.status == "withheld"  # 5 fewer: a removal is never published as a version


def test_advance_year_lists_the_periods_to_publish():
    pops = (AGE,)
    live = {"p": {q: counts(5, 5, 0, 0) for q in (1, 2, 3, 4)}}
    state = disclosure.empty_year(pops)
    step = disclosure.advance_year(state, pops, live, last_ended=2, k=K, event=1)
    assert step.new_quarters == (1, 2) and step.periods == (
        ("quarter", 1),
        ("quarter", 2),
        ("semester", 1),
    )
    late = {"p": {**live["p"], 1: counts(10, 5, 0, 0)}}
    step = disclosure.advance_year(step.state, pops, late, last_ended=2, k=K, event=2)
    assert step.corrected and step.new_quarters == ()
    assert set(step.periods) == {("quarter", 1), ("quarter", 2), ("semester", 1)}
    assert disclosure.year_figures(step.state, pops, ("semester", 1), k=K)["p"]["total"] == 25


@pytest.mark.parametrize(
    ("grain", "blocks"),
    [("quarter", [[1], [2], [3], [4]]), ("semester", [[1, 2], [3, 4]]), ("year", [[1, 2, 3, 4]])],
)
def test_a_run_closes_only_at_the_end_of_a_period_of_the_grain(grain, blocks):
    live = {q: counts(5, 5, 0, 0) for q in (1, 2, 3, 4)}
    ledger = disclosure.empty_ledger(grain)
    for quarter in (1, 2, 3, 4):
        ledger = close(ledger, quarter, live)
    assert [b["quarters"] for b in ledger["blocks"]] == blocks
    quarter_1 = disclosure.figures(ledger, AGE, (1,))
    assert quarter_1["withheld"] == (grain != "quarter")
    assert disclosure.figures(ledger, AGE, (1, 2, 3, 4))["total"] == 40


@pytest.mark.parametrize(
    ("previous", "grain"), [(0, "year"), (59, "year"), (60, "semester"), (300, "quarter")]
)
def test_the_grain_comes_from_the_previous_year(previous, grain):
    assert disclosure.choose_grain(previous, quarter_floor=300, semester_floor=60) == grain


def test_a_small_published_figure_blocks_the_release():
    """The last check before storing: a corrupted ledger (a block of 2) is refused."""
    state = {"p": {"blocks": [], "pending": [], "processed": 1, "grain": "quarter"}}
    state["p"]["blocks"].append(
        {"quarters": [1], "counts": counts(2, 0, 0, 0), "hidden": {"age": []}, "as_of": 1}
    )
    with pytest.raises(ValueError, match="below the threshold"):
        disclosure.year_figures(state, (AGE,), ("quarter", 1), k=K)
