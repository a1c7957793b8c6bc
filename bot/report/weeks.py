"""ISO weeks as the store writes them ("2026-W50"): the finest time a report shows."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.ASCII)


def monday(week: str) -> date:
    """The Monday of ``week``, an ISO week such as "2026-W50"; a ValueError quotes anything else."""
    match = _WEEK.fullmatch(week)
    try:
        if match is None:
            raise ValueError("not in the form YYYY-Www")
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(f"ISO week: {week!r} (expected a week such as '2026-W50')") from None


@lru_cache(maxsize=4096)
def week_of(day: date) -> str:
    """The ISO week ``day`` falls in (remembered: a report asks for the same few hundred days a million times)."""
    return day.strftime("%G-W%V")


def weeks_from(day: date, last: str) -> tuple[str, ...]:
    """Every ISO week from the one ``day`` falls in up to ``last``, in order; empty if ``last`` is earlier."""
    first, end = monday(week_of(day)), monday(last)
    return tuple(week_of(first + timedelta(weeks=n)) for n in range((end - first).days // 7 + 1))
