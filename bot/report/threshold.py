"""The anonymity threshold *k* for every figure a report shows: one rule, one place.

*k* is ``GOODWORK_MIN_GROUP`` (default 5). Every count here is a count of
people, each person at most once. The rules:

- **A count** (``figure``) is shown when at least *k* people stand behind it.
  Below *k*, zero included, it is only "fewer than k": "nobody" tells as much
  about a small group as "one person" does.
- **A share** (``rate``) is shown only when its part and its whole are each at
  least *k*: 30 % of 10 would reveal 3, and 50 % of 4 would reveal a group of 4.
- **A breakdown** (``breakdown``: how people chose at a question) is shown only
  when at least *k* answered in all. That is ``bot/store/aggregate.py``'s rule,
  under which participants already see how everyone chose. A report goes
  further, because it is read by someone who may know most of a small group
  (a trainer knows the people of their tranche): within the breakdown, an
  option's count and share are shown only when at least *k* chose it; the other
  options are named without a number. The total is shown, so what the options
  left out hold together (the total minus the shown counts) could be worked
  out. It must therefore be none or at least *k*: if it is 1 to *k*-1, the
  smallest shown option is left out as well, which brings it to *k* or more.
  That sum is then given too. It is at least *k*, so it points at no one.

What these rules cannot prevent, and why that is accepted:

- Someone who knows how every person but one chose learns the last choice from
  any exact breakdown, whatever its cell sizes; only not publishing (or adding
  noise) prevents that, and a threshold makes it need *k*-1 people's answers.
- A choice that everyone made shows as 100 %: it says the same of everyone who
  answered, and names no one (aggregate.py shows it to participants too).
- Separate figures are not suppressed against each other here (enrolled 12 and
  active 11 tell that one person was not active). The trainer's summary goes to
  the trainer alone. The published report (issue 14) adds complementary
  suppression across its tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Figure:
    """A count of people: the number when at least *k* stand behind it, else None ("fewer than k")."""

    value: int | None

    @property
    def shown(self) -> bool:
        return self.value is not None


HIDDEN = Figure(None)


@dataclass(frozen=True, slots=True)
class Part:
    """One option of a breakdown that is shown: how many chose it, and their share of the total."""

    label: str
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class Breakdown:
    """How people chose at one question, after the *k* rule.

    ``shown`` lists the options whose count may be given, in the order of the
    input; ``others`` names the rest, without a number; ``others_total`` is
    what those hold together, shown only when it is at least *k*. When fewer
    than *k* answered, ``total`` is hidden, ``shown`` is empty and every option
    is in ``others``.
    """

    total: Figure
    shown: tuple[Part, ...]
    others: tuple[str, ...]
    others_total: Figure


def check_k(k: int) -> int:
    """``k`` itself, if it is a usable threshold (a whole number of at least 1)."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k: {k!r} (expected a whole number of at least 1)")
    return k


def _check_count(count: int, what: str = "count") -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"{what}: {count!r} (expected a whole number of people, 0 or more)")
    return count


def figure(count: int, k: int) -> Figure:
    """``count`` as a figure: its number from ``k`` people on, else "fewer than k"."""
    return Figure(count) if _check_count(count) >= check_k(k) else HIDDEN


def rate(part: int, whole: int, k: int) -> float | None:
    """``part / whole`` when both are at least ``k``, else None."""
    if _check_count(part, "part") > _check_count(whole, "whole"):
        raise ValueError(f"part: {part!r} is more than whole {whole!r}")
    return part / whole if part >= check_k(k) and whole >= k else None


def breakdown(counts: Mapping[str, int], k: int) -> Breakdown:
    """How people chose (option label -> people), with small options and what would reveal them left out."""
    total = sum(_check_count(count, f"option {label!r}") for label, count in counts.items())
    if total < check_k(k):
        return Breakdown(HIDDEN, (), tuple(counts), HIDDEN)
    shown = [label for label, count in counts.items() if count >= k]
    left = total - sum(counts[label] for label in shown)
    if 0 < left < k:  # then something is shown: the total is at least k
        smallest = min(shown, key=lambda label: counts[label])
        shown.remove(smallest)
        left += counts[smallest]
    parts = tuple(Part(label, counts[label], counts[label] / total) for label in shown)
    others = tuple(label for label in counts if label not in shown)
    return Breakdown(Figure(total), parts, others, figure(left, k))
