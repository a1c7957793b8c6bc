"""Complementary suppression: no cell under k is shown, and none left out can be worked back from what is."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from disclosure import Key, Known, Sheet, pinned, possible_values, small_groups

from bot.report.suppress import AtMost, Hidden, Sum, suppress

K = 5
SMALL, GUARD = Hidden.SMALL, Hidden.GUARD


def cell(name: str) -> Key:
    """A cell named by its tranche column."""
    return ("", name, "", "", "enrolled")


def column(counts: list[int]) -> tuple[dict[Key, int], list[Sum[Key]]]:
    """Tranches t0, t1, ... with these counts under a total T."""
    parts = {cell(f"t{i}"): n for i, n in enumerate(counts)}
    values = {**parts, cell("T"): sum(counts)}
    return values, [Sum(cell("T"), tuple(parts))]


def published(values: dict[Key, int], hidden: dict[Key, Hidden], k: int = K) -> Sheet:
    """What a reader sees: shown values, and a note for each hidden one."""
    notes = {SMALL: f"fewer than {k}", GUARD: "suppressed so that a small group cannot be worked out"}
    return Sheet(
        shown={key: value for key, value in values.items() if key not in hidden},
        hidden={key: notes[why] for key, why in hidden.items()},
    )


def reader(sums: list[Sum[Key]], facts: Sequence[AtMost[Key]] = ()) -> Known:
    """What a reader knows: the sums, and the facts."""
    return Known([(s.total, s.parts) for s in sums], [(f.low, f.high) for f in facts], [])


def names(hidden: dict[Key, Hidden]) -> dict[str, str]:
    """Hidden cells by name, with why."""
    return {key[1]: why.value for key, why in hidden.items()}


def test_one_small_tranche_takes_the_smallest_other_with_it() -> None:
    """3 next to 7 and 9 under 19: the 3 is small, and the 7 goes too, or 19 - 7 - 9 would give the 3 away."""
    values, sums = column([3, 7, 9])
    hidden = suppress(values, sums, [], K)
    assert names(hidden) == {"t0": "small", "t1": "guard"}
    assert pinned(published(values, hidden), reader(sums), K) == {}


def test_without_a_guard_the_reader_works_the_small_cell_out() -> None:
    """The checker is no blind spot: leaving out only the 3 lets it be computed from the total."""
    values, sums = column([3, 7, 9])
    naive = {cell("t0"): SMALL}
    assert pinned(published(values, naive), reader(sums), K) == {cell("t0"): 3}


def test_two_small_cells_at_their_largest_are_guarded() -> None:
    """Two cells of 4 under a known difference of 8 are both 4 (neither can be 5): a third cell is left out."""
    values, sums = column([4, 4, 20])
    naive = {cell("t0"): SMALL, cell("t1"): SMALL}
    assert pinned(published(values, naive), reader(sums), K) == {cell("t0"): 4, cell("t1"): 4}
    hidden = suppress(values, sums, [], K)
    assert names(hidden) == {"t0": "small", "t1": "small", "t2": "guard"}
    assert pinned(published(values, hidden), reader(sums), K) == {}


def test_small_cells_that_together_are_still_a_small_group_are_guarded() -> None:
    """1 and 2 left out of a shown total hold 3 together, a group under k: the next smallest cell goes too."""
    values, sums = column([1, 2, 20, 30])
    naive = {cell("t0"): SMALL, cell("t1"): SMALL}
    assert small_groups(published(values, naive), reader(sums), K) == [(cell("T"), 3)]
    hidden = suppress(values, sums, [], K)
    assert names(hidden) == {"t0": "small", "t1": "small", "t2": "guard"}
    assert small_groups(published(values, hidden), reader(sums), K) == []


def test_small_cells_that_hold_k_together_need_no_guard() -> None:
    """3 and 4 hold 7 together and each could be the other: nothing more is left out."""
    values, sums = column([3, 4, 20])
    hidden = suppress(values, sums, [], K)
    assert names(hidden) == {"t0": "small", "t1": "small"}
    assert possible_values(published(values, hidden), reader(sums), K) == {cell("t0"): {3, 4}, cell("t1"): {3, 4}}


def test_nobody_is_protected_like_anyone_else() -> None:
    """Two zeros under a shown total would both read 0: a third cell is left out."""
    values, sums = column([0, 0, 7, 8])
    hidden = suppress(values, sums, [], K)
    assert names(hidden) == {"t0": "small", "t1": "small", "t2": "guard"}
    assert pinned(published(values, hidden), reader(sums), K) == {}


def test_a_guard_that_ties_with_the_cell_beside_it() -> None:
    """4, 5, 5: a guard known to be the smallest of 5 and 5 would be 5, and so the 4; the other 5 goes too."""
    values, sums = column([4, 5, 5])
    hidden = suppress(values, sums, [], K)
    assert names(hidden) == {"t0": "small", "t1": "guard", "t2": "guard"}
    assert pinned(published(values, hidden), reader(sums), K) == {}


def test_a_fact_every_reader_knows_can_pin_a_guard() -> None:
    """Enrolled 0 (new) and 6 under 26: the guard 6 is at least its 6 completions, so 0 + 6 = 6 pins both."""
    values, sums = column([0, 6, 20])
    done = ("", "t1", "s", "", "completed")
    values[done] = 6
    facts = [AtMost(done, cell("t1"))]
    hidden = suppress(values, sums, facts, K)
    assert hidden[cell("t0")] is SMALL and len(hidden) == 3
    assert pinned(published(values, hidden), reader(sums, facts), K) == {}


def test_a_total_left_out_alone_is_guarded_in_the_sum_above_it() -> None:
    """A course total of 3 sits in the sum of all courses: the other course's total goes, and a part under it."""
    values = {cell("a1"): 3, cell("A"): 3, cell("b1"): 12, cell("b2"): 9, cell("B"): 21, cell("all"): 24}
    sums = [
        Sum(cell("A"), (cell("a1"),)),
        Sum(cell("B"), (cell("b1"), cell("b2"))),
        Sum(cell("all"), (cell("A"), cell("B"))),
    ]
    hidden = suppress(values, sums, [], K)
    assert names(hidden) == {"a1": "small", "A": "small", "b2": "guard", "B": "guard"}  # "all" stays shown
    assert pinned(published(values, hidden), reader(sums), K) == {}


def test_with_k_one_only_zeros_are_left_out() -> None:
    """k = 1: zeros are "fewer than 1", which says 0 already; nothing is left out to guard them."""
    values, sums = column([0, 3, 9])
    assert names(suppress(values, sums, [], 1)) == {"t0": "small"}


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3"])
def test_a_count_that_is_no_count_is_refused(bad: object) -> None:
    """A negative, fractional or non-number count is a caller's mistake, quoted in the error."""
    with pytest.raises(ValueError, match=r"expected a whole number of people"):
        suppress({cell("t0"): bad}, [], [], K)  # type: ignore[dict-item]


def test_every_cell_at_least_k_shows_everything() -> None:
    """Nothing small, nothing left out: a table of large groups is published whole."""
    values, sums = column([5, 8, 13])
    assert suppress(values, sums, [], K) == {}
