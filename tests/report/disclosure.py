"""A reader who tries to work hidden figures back out of a published ``report.csv``: the tests' attacker.

It knows only what the file says and what anyone knows about such figures:
each course total is the sum of its tranches (for every count), all courses
together are the sum of the course totals (and, when the test says it holds,
the sum of the weekly new enrolments), completed and sent are at most
enrolled, answered at most sent, a shown rate is part / whole to two
decimals, "fewer than k" means 0 to k-1 and the other note means at least k.
With that it solves for every value each hidden figure could take (a small
integer search with bounds propagation, exhaustive, so nothing it finds is a
guess), and for the hidden figures each published total leaves over.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

Key = tuple[str, str, str, str, str]  # course, tranche, dialogue, week, measure
COUNTS = ("enrolled", "completed", "followup_sent", "followup_answered", "active", "enrolled_new")
RATES = {"completion_rate": ("completed", "enrolled"), "response_rate": ("followup_answered", "followup_sent")}


@dataclass
class Sheet:
    """A parsed ``report.csv``: shown counts, hidden counts with their notes, and shown rates."""

    shown: dict[Key, int] = field(default_factory=dict)
    hidden: dict[Key, str] = field(default_factory=dict)
    rates: dict[Key, str] = field(default_factory=dict)


def read_sheet(data: bytes) -> Sheet:
    """The figures of a ``report.csv``."""
    sheet = Sheet()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == ["course", "tranche", "dialogue", "week", "measure", "value", "note"]
    for course, tranche, dialogue, week, measure, value, note in rows[1:]:
        key = (course, tranche, dialogue, week, measure)
        if measure in RATES and value:
            sheet.rates[key] = value
        elif measure in COUNTS:
            if value:
                sheet.shown[key] = int(value)
            else:
                sheet.hidden[key] = note
    return sheet


@dataclass
class Known:
    """What a reader can set up: sums (total, parts), at-most facts (low, high) and rates (part, whole, text)."""

    sums: list[tuple[Key, tuple[Key, ...]]]
    facts: list[tuple[Key, Key]]
    rates: list[tuple[Key, Key, str]]


def known(sheet: Sheet, *, weeks_add_up: bool) -> Known:
    """The sums and facts a reader of ``sheet`` knows."""
    cells = [*sheet.shown, *sheet.hidden]
    groups: defaultdict[Key, list[Key]] = defaultdict(list)
    for course, tranche, dialogue, week, measure in cells:
        if course and tranche:
            groups[course, "", dialogue, week, measure].append((course, tranche, dialogue, week, measure))
    sums = [(total, tuple(parts)) for total, parts in groups.items()]
    everyone: Key = ("", "", "", "", "enrolled")
    sums.append((everyone, tuple(c for c in cells if c[0] and not c[1] and not c[2] and c[4] == "enrolled")))
    if weeks_add_up:
        sums.append((everyone, tuple(c for c in cells if c[3] and c[4] == "enrolled_new")))
    facts = []
    for cell in cells:
        course, tranche, dialogue, week, measure = cell
        if measure in ("completed", "followup_sent") and not week:
            facts.append((cell, (course, tranche, "", "", "enrolled")))
        if measure == "followup_answered":
            facts.append((cell, (course, tranche, dialogue, week, "followup_sent")))
    rates = [
        ((c, t, d, w, RATES[m][0]), (c, t, "" if m == "completion_rate" else d, w, RATES[m][1]), value)
        for (c, t, d, w, m), value in sheet.rates.items()
    ]
    return Known(sums, facts, rates)


def possible_values(sheet: Sheet, rules: Known, k: int) -> dict[Key, set[int]]:
    """Every value each hidden figure can take in some table that agrees with everything published."""
    solver = _Solver(sheet, rules, k)
    found: dict[Key, set[int]] = {key: set() for key in sheet.hidden}
    for key in sheet.hidden:
        low, high = solver.domain[key]
        for value in range(low, high + 1):
            if value in found[key]:
                continue
            solution = solver.solve({**solver.domain, key: (value, value)})
            if solution is not None:
                for cell, held in solution.items():
                    found[cell].add(held)
    return found


def pinned(sheet: Sheet, rules: Known, k: int) -> dict[Key, int]:
    """The hidden figures a reader can work out exactly, with their values.

    One table that agrees with everything published gives each hidden figure
    a value; a figure is pinned when no agreeing table gives it another (a
    search below that value and one above it both come back empty).
    """
    solver = _Solver(sheet, rules, k)
    first = solver.solve(solver.domain)
    assert first is not None, "no table agrees with what is published"
    seen = {key: {value} for key, value in first.items()}
    for key, value in first.items():
        low, high = solver.domain[key]
        for part in ((low, value - 1), (value + 1, high)):
            if len(seen[key]) > 1 or part[0] > part[1]:
                continue
            other = solver.solve({**solver.domain, key: part})
            for cell, held in (other or {}).items():
                seen[cell].add(held)
    return {key: first[key] for key, values in seen.items() if len(values) == 1}


def small_groups(sheet: Sheet, rules: Known, k: int) -> list[tuple[Key, int]]:
    """Shown totals whose hidden parts, all under k, hold fewer than k together: a small group worked out."""
    found = []
    for total, parts in rules.sums:
        hidden = [part for part in parts if part in sheet.hidden]
        if total not in sheet.shown or not hidden or any(not _small(sheet.hidden[p], k) for p in hidden):
            continue
        left = sheet.shown[total] - sum(sheet.shown[part] for part in parts if part in sheet.shown)
        if left < k:
            found.append((total, left))
    return found


def _small(note: str, k: int) -> bool:
    return note in (f"fewer than {k}", f"minder dan {k}")


class _Solver:
    """Integer search over the hidden figures: bounds propagation, then trying values one by one."""

    def __init__(self, sheet: Sheet, rules: Known, k: int) -> None:
        self.sheet, self.rules = sheet, rules
        top = 2 * max(sheet.shown.values(), default=0) + 2 * k
        start = {key: (0, k - 1) if _small(note, k) else (k, top) for key, note in sheet.hidden.items()}
        domain = self._propagate(start)
        assert domain is not None, "no table agrees with what is published: the reader's rules are wrong"
        self.domain = domain

    def solve(self, domain: Mapping[Key, tuple[int, int]]) -> dict[Key, int] | None:
        narrowed = self._propagate(dict(domain))
        if narrowed is None:
            return None
        open_cells = [key for key, (low, high) in narrowed.items() if low < high]
        if not open_cells:
            values = {key: low for key, (low, _) in narrowed.items()}
            return values if self._rates_hold(values) else None
        key = min(open_cells, key=lambda c: narrowed[c][1] - narrowed[c][0])
        low, high = narrowed[key]
        for value in range(low, high + 1):
            solution = self.solve({**narrowed, key: (value, value)})
            if solution is not None:
                return solution
        return None

    def _bounds(self, domain: Mapping[Key, tuple[int, int]], key: Key) -> tuple[int, int]:
        if key in self.sheet.shown:
            return self.sheet.shown[key], self.sheet.shown[key]
        return domain[key]

    def _propagate(self, domain: dict[Key, tuple[int, int]]) -> dict[Key, tuple[int, int]] | None:
        changed = True
        while changed:
            changed = False
            for narrowing in self._narrowings(domain):
                key, low, high = narrowing
                old = domain[key]
                new = (max(old[0], low), min(old[1], high))
                if new[0] > new[1]:
                    return None
                if new != old:
                    domain[key], changed = new, True
        return domain

    def _narrowings(self, domain: Mapping[Key, tuple[int, int]]) -> Iterator[tuple[Key, int, int]]:
        for total, parts in self.rules.sums:
            cells = [(total, -1), *((part, 1) for part in parts)]  # sum of parts - total == 0
            for key, sign in cells:
                if key not in self.sheet.hidden:
                    continue
                others = [(self._bounds(domain, c), s) for c, s in cells if c != key]
                most = sum(high if s > 0 else -low for (low, high), s in others)
                least = sum(low if s > 0 else -high for (low, high), s in others)
                yield (key, least, most) if sign < 0 else (key, -most, -least)
        for low_key, high_key in self.rules.facts:
            low, high = self._bounds(domain, low_key), self._bounds(domain, high_key)
            if low_key in self.sheet.hidden:
                yield low_key, 0, high[1]
            if high_key in self.sheet.hidden:
                yield high_key, low[0], 10**9

    def _rates_hold(self, values: Mapping[Key, int]) -> bool:
        for part, whole, text in self.rules.rates:
            held = {**self.sheet.shown, **values}
            if held[whole] == 0 or f"{held[part] / held[whole]:.2f}" != text:
                return False
        return True
