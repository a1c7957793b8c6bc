"""Complementary suppression: which cells of a published table to leave out, so that no small group can be worked out.

A published report is a set of cells, each a count of people, tied together by
*sums* (a course's total is the sum of its tranches) and by *facts* every
reader knows (nobody answers a follow-up they were not sent: answered <= sent).
``suppress`` says which cells to leave out, and why:

1. **Small** (``Hidden.SMALL``): every cell under *k*, zero included, as
   ``threshold.figure`` has it. Its note tells the reader it is under *k*.
2. **Guard** (``Hidden.GUARD``): a cell of *k* or more, left out because
   otherwise a left-out cell could be worked out. Its note says so, which tells
   the reader it is at least *k*. Two checks ask for one:

   - *A small group*: where a sum's total is shown, the left-out parts hold
     together the total minus the shown parts. If only small cells are left
     out and they hold fewer than *k* together (zero included), the smallest
     shown part is left out as well (the total when no part is left). One
     small tranche next to tranches of 7 and 9 under a total of 19 is the
     plain case: 19 - 7 - 9 gives it away, so the 7 goes too.
   - *A pinned cell*: every left-out cell must be able to hold another value
     while every shown cell, every sum, every fact and every note stays true.
     Two left-out cells of 4 under a known difference of 8 with *k* = 5 are
     both 4, since neither can exceed 4; an everyone-completed tranche can pin
     its hidden enrolment. The check looks for such another value (a
     *witness*: the cell moved by one, and what must move with it, step by
     step, to keep every sum and fact true); where it finds none, it leaves
     out one more cell: the smallest shown part of a sum where it is the only
     one left out (of any of its sums if none); else the smallest shown part
     of a sum of the cells left out beside it; else the first shown total of
     its sums; else the first shown cell it has a fact with. Then it checks
     that cell, and the first one again.

   A reader who knows this procedure knows that a guard is at most every part
   it was chosen from (ties go to the first in order); the check counts that
   as a fact too, and a stricter one: a guard is at most every part ranked
   after it in those sums, shown or not.

Rates are not cells: a rate is shown only when its part and its whole are both
shown (``Published.rate`` in ``bot.report.public``), since a rate and either
one give the other.

What this does not prevent, and why that is accepted:

- A reader who re-runs each decision of the procedure learns a little more
  than the cells say: that a guard was needed at all tells that the small
  cells it protects hold fewer than *k* together, or that one of them could
  otherwise be pinned. The check does not count that.
- The witness search tries a bounded number of tables (``BUDGET``, and at
  most ``BRANCHES`` ways to mend each broken sum); where it gives up it leaves
  out more than needed, never less. Cells are whole numbers and the search
  moves them by whole numbers, so a witness is a real other table that agrees
  with everything published.
- It keeps every hidden cell from being worked out exactly, and every group
  of small cells under one shown total from being under *k*; it does not
  promise a range of a given width around each hidden cell.
- With *k* = 1 only zeros are left out, and their note ("fewer than 1")
  already says they are zero: nothing more is left out for them.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from bot.report.threshold import check_k

K = TypeVar("K", bound=Hashable)

BUDGET: Final = 400  # tables tried per witness search before giving up (and leaving out one more cell)
BRANCHES: Final = 6  # ways tried to mend one broken sum or fact

Moves = dict[int, int]  # cell -> how far it moved from its value


class Hidden(enum.Enum):
    """Why a cell is left out: fewer than *k* people, or to guard a cell that is."""

    SMALL = "small"
    GUARD = "guard"


@dataclass(frozen=True, slots=True)
class Sum(Generic[K]):
    """``total`` is the sum of ``parts``: whoever sees all but one of them can work out the last."""

    total: K
    parts: tuple[K, ...]


@dataclass(frozen=True, slots=True)
class AtMost(Generic[K]):
    """``low`` + ``gap`` is at most ``high``: something every reader knows (answered <= sent)."""

    low: K
    high: K
    gap: int = 0


def suppress(values: Mapping[K, int], sums: Sequence[Sum[K]], facts: Iterable[AtMost[K]], k: int) -> dict[K, Hidden]:
    """The cells of ``values`` to leave out, and why; in the order of ``values``.

    ``values`` holds every cell's count (its order breaks ties between equal
    candidates); ``sums`` and ``facts`` name only cells of ``values``. A fact
    that does not hold in ``values`` is no help to a reader and is ignored.
    """
    keys = list(values)
    index = {key: n for n, key in enumerate(keys)}
    audit = _Audit(
        [_count(key, values[key]) for key in keys],
        [(index[s.total], tuple(index[p] for p in s.parts)) for s in sums],
        [(index[f.low], index[f.high], f.gap) for f in facts],
        check_k(k),
    )
    for number in range(len(sums)):
        audit.guard_group(number)
    stack = [cell for cell in reversed(range(len(keys))) if audit.hidden[cell]]
    while stack:
        cell = stack.pop()
        if not audit.free(cell) and (chosen := audit.cover(cell)) is not None:
            stack += [cell, chosen]  # the new guard is checked first, then ``cell`` again
    return {keys[n]: why for n, why in enumerate(audit.hidden) if why is not None}


def _count(cell: object, count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"cell {cell!r}: {count!r} (expected a whole number of people, 0 or more)")
    return count


class _Audit:
    """The cells (by number) left out so far, and the search for another value each could hold."""

    def __init__(
        self, values: list[int], sums: list[tuple[int, tuple[int, ...]]], facts: list[tuple[int, int, int]], k: int
    ) -> None:
        self.values, self.sums, self.k = values, sums, k
        self.hidden: list[Hidden | None] = [None] * len(values)
        self.member: list[list[tuple[int, int]]] = [[] for _ in values]  # (sum, +1 as a part or -1 as its total)
        self.ranked = [sorted((values[p], p) for p in parts) for _, parts in sums]
        self.first = [0] * len(sums)  # where to look for a sum's smallest shown part
        self.hidden_in: list[list[int]] = [[] for _ in sums]
        self.facts_of: list[list[tuple[int, int, int]]] = [[] for _ in values]
        self.chosen_in: list[list[int]] = [[] for _ in values]  # a guard: the sums it is at most the later parts of
        self.guards_in: list[list[int]] = [[] for _ in sums]
        for number, (total, parts) in enumerate(sums):
            self.member[total].append((number, -1))
            for part in parts:
                self.member[part].append((number, 1))
        for low, high, gap in facts:
            if values[low] + gap <= values[high]:
                self.facts_of[low].append((low, high, gap))
                self.facts_of[high].append((low, high, gap))
        for cell, value in enumerate(values):
            if value < k:
                self._hide(cell, Hidden.SMALL)

    def _hide(self, cell: int, why: Hidden) -> None:
        self.hidden[cell] = why
        for number, _ in self.member[cell]:
            self.hidden_in[number].append(cell)

    def guard_group(self, number: int) -> None:
        """Leave out one more part while the small parts left out of a shown total hold fewer than k together."""
        total, _ = self.sums[number]
        parts = [cell for cell in self.hidden_in[number] if cell != total]
        if self.hidden[total] or self.k == 1 or not parts or any(self.hidden[c] is Hidden.GUARD for c in parts):
            return
        if sum(self.values[cell] for cell in parts) < self.k:
            chosen = self._smallest([number])
            if chosen is not None:
                self._hide(chosen, Hidden.GUARD)

    def cover(self, cell: int) -> int | None:
        """Leave out one more cell for ``cell``, which could not hold another value; None if none is left to."""
        sums = [number for number, _ in self.member[cell]]
        near = [number for number in sums if self.hidden_in[number] == [cell]] or sums
        beside = sorted({c for number in near for c in self.hidden_in[number] if c != cell})
        further = list(dict.fromkeys(n for c in beside for n, _ in self.member[c] if n not in near))
        chosen = self._smallest(near)
        chosen = self._smallest(further) if chosen is None else chosen
        totals = (self.sums[number][0] for number in near)
        bounds = (c for low, high, _ in self.facts_of[cell] for c in (low, high))
        chosen = next((c for c in (*totals, *bounds) if not self.hidden[c]), None) if chosen is None else chosen
        if chosen is not None:
            self._hide(chosen, Hidden.GUARD)  # a shown cell: k or more
        return chosen

    def _smallest(self, sums: Sequence[int]) -> int | None:
        """The smallest shown part of ``sums`` (ties: the first), known from then on to be at most their later parts."""
        found = [found for number in sums if (found := self._first_shown(number)) is not None]
        if not found:
            return None
        _, chosen = min(found)
        for number in sums:
            self.chosen_in[chosen].append(number)
            self.guards_in[number].append(chosen)
        return chosen

    def _first_shown(self, number: int) -> tuple[int, int] | None:
        ranked = self.ranked[number]
        while self.first[number] < len(ranked) and self.hidden[ranked[self.first[number]][1]]:
            self.first[number] += 1
        return ranked[self.first[number]] if self.first[number] < len(ranked) else None

    def free(self, cell: int) -> bool:
        """Whether another table agrees with everything shown and known, with ``cell`` one more or one less."""
        if self.k == 1 and self.hidden[cell] is Hidden.SMALL:
            return True  # its note, "fewer than 1", already says 0
        return any(self._witness(cell, step) for step in (1, -1))

    def _witness(self, cell: int, step: int) -> bool:
        """A depth-first search from ``cell`` moved by ``step`` for moves that break nothing, within ``BUDGET``."""
        if not self._within(cell, step):
            return False
        stack: list[tuple[Moves, Moves, int, int]] = [({}, {}, cell, step)]  # a table, and the move to make in it
        seen: set[frozenset[tuple[int, int]]] = set()
        for _ in range(BUDGET):
            if not stack:
                return False
            moves, offsets = self._move(*stack.pop())
            if (state := frozenset(moves.items())) in seen:
                continue
            seen.add(state)
            mends = self._mends(cell, moves, offsets)
            if mends is None:
                return True
            stack += [(moves, offsets, other, by) for other, by in reversed(mends)]
        return False

    def _move(self, moves: Moves, offsets: Moves, cell: int, step: int) -> tuple[Moves, Moves]:
        moved, off = {**moves, cell: moves.get(cell, 0) + step}, dict(offsets)
        for number, sign in self.member[cell]:
            off[number] = off.get(number, 0) + sign * step
            if not off[number]:
                del off[number]
        return moved, off

    def _mends(self, start: int, moves: Moves, offsets: Moves) -> list[tuple[int, int]] | None:
        """The first sum or fact the moves break, as up to ``BRANCHES`` moves that could mend it; None if none is."""
        for number, off in offsets.items():
            total, _ = self.sums[number]
            steps = ((c, off if c == total else -off) for c in self.hidden_in[number] if c != start)
            return self._first_fitting(steps, moves)
        broken = next(self._broken(moves), None)
        if broken is None:
            return None
        low, high, short = broken
        return self._first_fitting(((high, short), (low, -short)), moves, start)

    def _first_fitting(self, steps: Iterable[tuple[int, int]], moves: Moves, start: int = -1) -> list[tuple[int, int]]:
        """Up to ``BRANCHES`` of ``steps`` that keep their cell within its note, cells not moved yet first."""
        fresh: list[tuple[int, int]] = []
        again: list[tuple[int, int]] = []
        for cell, by in steps:
            if cell != start and self.hidden[cell] and self._within(cell, moves.get(cell, 0) + by):
                (again if cell in moves else fresh).append((cell, by))
                if len(fresh) == BRANCHES:
                    break
        return (fresh + again)[:BRANCHES]

    def _within(self, cell: int, moved: int) -> bool:
        value = self.values[cell] + moved
        return 0 <= value < self.k if self.hidden[cell] is Hidden.SMALL else value >= self.k

    def _broken(self, moves: Moves) -> Iterator[tuple[int, int, int]]:
        """Each "low + gap <= high" the moves break, as (low, high, by how much); facts first, then guards' ranks."""
        now = {cell: self.values[cell] + by for cell, by in moves.items()}
        for cell in moves:
            for low, high, gap in self.facts_of[cell]:
                short = now.get(low, self.values[low]) + gap - now.get(high, self.values[high])
                if short > 0:
                    yield low, high, short
        for cell in moves:
            for number in self.chosen_in[cell]:
                later, value = self._least_after(number, cell, moves, now)
                if later is not None and now[cell] > value:
                    yield cell, later, now[cell] - value
            for number, sign in self.member[cell] if moves[cell] < 0 else ():
                for guard in self.guards_in[number] if sign > 0 else ():
                    guard_now = now.get(guard, self.values[guard])
                    if (self.values[guard], guard) < (self.values[cell], cell) and guard_now > now[cell]:
                        yield guard, cell, guard_now - now[cell]

    def _least_after(self, number: int, guard: int, moves: Moves, now: Mapping[int, int]) -> tuple[int | None, int]:
        """The part of sum ``number`` ranked after ``guard`` with the lowest value now, and that value."""
        ranked, rank = self.ranked[number], (self.values[guard], guard)
        least: tuple[int | None, int] = (None, 0)
        later = (c for _, c in ranked[bisect_right(ranked, rank) :] if c not in moves)
        unmoved = next(later, None)  # the parts are in order of value: the first one not moved is the least of those
        candidates = [c for c in moves if (number, 1) in self.member[c] and (self.values[c], c) > rank]
        for c in (*candidates, *((unmoved,) if unmoved is not None else ())):
            if least[0] is None or now.get(c, self.values[c]) < least[1]:
                least = (c, now.get(c, self.values[c]))
        return least
