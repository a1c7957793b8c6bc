"""When follow-up messages may be sent: working hours, public holidays and delays.

Everything here is pure: no clock is read and nothing is stored. The caller
passes the moment it cares about, as an aware ``datetime``; a naive one is a
ValueError, because it cannot be placed in time. Every returned moment is an
aware ``datetime`` in UTC.

A day's open period runs from ``start`` (inclusive) to ``end`` (exclusive),
local time. Both are placed on the day with ``fold=0``: a wall time that
occurs twice (October) means its first occurrence, and one that does not occur
(March) lands as far after the gap as it was into it, as Python places it; if
that leaves a day's period empty, that day has none.
``is_open`` and ``next_open`` share that one definition, so they always agree.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
_SEARCH_DAYS = 400


@functools.cache
def dutch_holidays(year: int) -> frozenset[date]:
    """The Dutch public holidays of ``year``, computed once per year."""
    return frozenset(holidays.country_holidays("NL", years=year))


def _amsterdam() -> ZoneInfo:
    return ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """The days and local hours in which follow-ups may be sent."""

    tz: ZoneInfo = field(default_factory=_amsterdam)
    days: frozenset[int] = frozenset(range(5))  # Monday is 0, as in date.weekday()
    start: time = time(9)
    end: time = time(17)
    skip_holidays: bool = True

    def __post_init__(self) -> None:
        if not self.days or not self.days <= frozenset(range(7)):
            raise ValueError(f"working hours: days {sorted(self.days)!r} (expected some of 0..6, Monday is 0)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError(f"working hours: start {self.start} and end {self.end} must be local times without tzinfo")
        if self.end <= self.start:
            raise ValueError(f"working hours: end {self.end:%H:%M} is not after start {self.start:%H:%M}")

    @classmethod
    def parse(cls, text: str, *, tz: ZoneInfo | None = None, skip_holidays: bool = True) -> WorkingHours:
        """Read ``"mon-fri 09:00-17:00"`` or ``"mon,tue,thu 08:30-16:00"``."""
        parts = text.lower().split()
        if len(parts) != 2:
            raise ValueError(
                f"working hours: expected '<days> <HH:MM>-<HH:MM>' like 'mon-fri 09:00-17:00', got {text!r}"
            )
        start, end = _parse_span(parts[1])
        return cls(tz=tz or _amsterdam(), days=_parse_days(parts[0]), start=start, end=end, skip_holidays=skip_holidays)

    def __str__(self) -> str:
        return f"{_format_days(self.days)} {self.start:%H:%M}-{self.end:%H:%M}"

    def is_working_day(self, day: date) -> bool:
        """True on a listed weekday that is not a skipped public holiday."""
        if day.weekday() not in self.days:
            return False
        return not (self.skip_holidays and day in dutch_holidays(day.year))

    def is_open(self, moment: datetime) -> bool:
        """True if ``moment`` lies inside the working hours."""
        instant = _utc(moment)
        day = instant.astimezone(self.tz).date()
        if not self.is_working_day(day):
            return False
        opening, closing = self._bounds(day)
        return opening <= instant < closing

    def next_open(self, moment: datetime) -> datetime:
        """The first instant at or after ``moment`` inside the working hours, in UTC."""
        instant = _utc(moment)
        first = instant.astimezone(self.tz).date()
        for day in (first + timedelta(days=n) for n in range(_SEARCH_DAYS)):
            if self.is_working_day(day):
                opening, closing = self._bounds(day)
                if (candidate := max(instant, opening)) < closing:
                    return candidate
        raise ValueError(f"working hours: {self} has no open day within {_SEARCH_DAYS} days of {moment.isoformat()!r}")

    def closing(self, moment: datetime) -> datetime:
        """When the open period holding ``moment`` ends, in UTC; ``moment`` must be open."""
        if not self.is_open(moment):
            raise ValueError(f"working hours: {moment.isoformat()!r} is not within {self}")
        return self._bounds(_utc(moment).astimezone(self.tz).date())[1]

    def spread(self, moment: datetime, key: str, window: timedelta) -> datetime:
        """A stable moment for ``key`` within ``window`` of the next opening, never at or after closing.

        The offset is a hash of ``key`` and the local date, so one recipient gets
        the same time on a retry while recipients due the same day are spread out.
        Pass a pseudonym as ``key``, never a Telegram id.
        """
        if window < timedelta(0):
            raise ValueError(f"working hours: spread window {_seconds(window)} is negative")
        opened = self.next_open(moment)
        room = min(window, self.closing(opened) - opened)
        seconds = int(room.total_seconds())
        if seconds < 1:
            return opened
        local_day = opened.astimezone(self.tz).date()
        return opened + timedelta(seconds=_stable_hash(f"{key}\x1f{local_day.isoformat()}") % seconds)

    def shift(self, moment: datetime, by: timedelta) -> datetime:
        """Move a due time later by ``by`` of elapsed time (a pause), then to the next open moment."""
        if by < timedelta(0):
            raise ValueError(f"working hours: shift {_seconds(by)} is negative")
        return self.next_open(_utc(moment) + by)

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        return _place(day, self.start, self.tz), _place(day, self.end, self.tz)


def _parse_days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for item in text.split(","):
        days.update(_parse_day_range(item))
    return frozenset(days)


def _format_days(days: frozenset[int]) -> str:
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(DAY_NAMES[run[0]] + (f"-{DAY_NAMES[run[-1]]}" if len(run) > 1 else "") for run in runs)


def _parse_day_range(item: str) -> range:
    first, sep, last = item.partition("-")
    low = _day_index(first)
    high = _day_index(last) if sep else low
    if high < low:
        raise ValueError(f"working hours: day range {item!r} runs backwards (expected e.g. 'mon-fri')")
    return range(low, high + 1)


def _day_index(name: str) -> int:
    if name not in DAY_NAMES:
        raise ValueError(f"working hours: unknown day {name!r} (expected mon..sun)")
    return DAY_NAMES.index(name)


def _parse_span(text: str) -> tuple[time, time]:
    first, sep, last = text.partition("-")
    if not sep:
        raise ValueError(f"working hours: bad hours {text!r} (expected HH:MM-HH:MM like '09:00-17:00')")
    return _parse_time(first), _parse_time(last)


def _parse_time(text: str) -> time:
    found = _TIME.fullmatch(text)
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        raise ValueError(f"working hours: bad time {text!r} (expected HH:MM from 00:00 to 23:59)")
    return time(int(found[1]), int(found[2]))


def _place(day: date, wall: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"working hours: naive datetime {moment.isoformat()!r} (expected one with a time zone)")
    return moment.astimezone(UTC)


def _seconds(span: timedelta) -> str:
    return f"{span.total_seconds():g}s"


def _stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
