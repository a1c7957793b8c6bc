"""Working hours, Dutch holidays, DST, delays and spreading for follow-ups."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.dialogue.course import Delay
from bot.schedule.calendar import WorkingHours

AMS = ZoneInfo("Europe/Amsterdam")
HOURS = WorkingHours()


def ams(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=AMS)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_defaults_are_dutch_office_hours() -> None:
    """The defaults are Monday to Friday 09:00-17:00 in Amsterdam, skipping holidays."""
    assert WorkingHours.parse("mon-fri 09:00-17:00") == HOURS
    assert (HOURS.tz.key, HOURS.start, HOURS.end, HOURS.skip_holidays) == ("Europe/Amsterdam", time(9), time(17), True)
    assert str(HOURS) == "mon-fri 09:00-17:00"


def test_weekend_moves_to_monday_morning() -> None:
    """A Saturday moment becomes Monday 09:00 local."""
    assert HOURS.next_open(ams(2026, 3, 7, 12)) == ams(2026, 3, 9, 9)


def test_friday_evening_moves_to_monday_morning() -> None:
    """Friday 17:30 becomes Monday 09:00 local."""
    assert HOURS.next_open(ams(2026, 3, 6, 17, 30)) == ams(2026, 3, 9, 9)


def test_closing_time_is_exclusive() -> None:
    """17:00 itself is closed and 09:00 itself is open."""
    assert not HOURS.is_open(ams(2026, 3, 6, 17))
    assert HOURS.is_open(ams(2026, 3, 6, 9))
    assert not HOURS.is_open(ams(2026, 3, 6, 8, 59))


def test_within_hours_returns_the_same_instant_in_utc() -> None:
    """An open moment is returned unchanged, as an aware UTC datetime."""
    moment = ams(2026, 3, 10, 11, 23) + timedelta(seconds=7, microseconds=5)
    found = HOURS.next_open(moment)
    assert found == moment
    assert found.tzinfo is UTC


def test_kings_day_is_skipped() -> None:
    """King's Day, Monday 27 April 2026, is skipped: Sunday evening becomes Tuesday 09:00."""
    assert not HOURS.is_open(ams(2026, 4, 27, 10))
    assert HOURS.next_open(ams(2026, 4, 26, 20)) == utc(2026, 4, 28, 7)


def test_christmas_and_boxing_day_are_skipped() -> None:
    """Christmas (Thu 25 Dec 2025) and Boxing Day (Fri 26 Dec) are skipped through the weekend."""
    assert not HOURS.is_open(ams(2025, 12, 25, 10))
    assert not HOURS.is_open(ams(2025, 12, 26, 10))
    assert HOURS.next_open(ams(2025, 12, 24, 17, 30)) == utc(2025, 12, 29, 8)


def test_ascension_day_2027_is_skipped() -> None:
    """Ascension Day, Thursday 6 May 2027, is skipped: Wednesday evening becomes Friday 09:00."""
    assert not HOURS.is_open(ams(2027, 5, 6, 10))
    assert HOURS.next_open(ams(2027, 5, 5, 17, 30)) == utc(2027, 5, 7, 7)


def test_holidays_can_be_kept() -> None:
    """With skip_holidays off, King's Day is an ordinary Monday."""
    assert WorkingHours(skip_holidays=False).is_open(ams(2026, 4, 27, 10))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(ams(2026, 3, 27, 7), utc(2026, 3, 27, 8), id="fri-before-march-switch-is-cet"),
        pytest.param(ams(2026, 3, 28, 12), utc(2026, 3, 30, 7), id="sat-over-march-switch-to-cest"),
        pytest.param(utc(2026, 3, 29, 1), utc(2026, 3, 30, 7), id="at-the-march-switch"),
        pytest.param(ams(2026, 10, 23, 7), utc(2026, 10, 23, 7), id="fri-before-october-switch-is-cest"),
        pytest.param(ams(2026, 10, 23, 17, 30), utc(2026, 10, 26, 8), id="fri-over-october-switch-to-cet"),
        pytest.param(utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 8), id="inside-the-october-fold"),
    ],
)
def test_next_open_across_dst(moment: datetime, expected: datetime) -> None:
    """09:00 Amsterdam is 08:00 UTC in winter (CET) and 07:00 UTC in summer (CEST), across both switches."""
    assert HOURS.next_open(moment) == expected


def test_open_period_length_across_dst() -> None:
    """On the Monday after each switch the open period is still eight local hours."""
    for day in (date(2026, 3, 30), date(2026, 10, 26)):
        opening = HOURS.next_open(datetime.combine(day, time(0), tzinfo=AMS))
        assert HOURS.closing(opening) - opening == timedelta(hours=8)


def test_naive_datetimes_are_refused() -> None:
    """A naive datetime raises ValueError quoting it, in every function that takes a moment."""
    naive = datetime(2026, 3, 9, 10)
    message = "working hours: naive datetime '2026-03-09T10:00:00' (expected one with a time zone)"
    for call in (HOURS.is_open, HOURS.next_open, lambda m: HOURS.shift(m, timedelta(hours=1))):
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            call(naive)


def test_custom_hours() -> None:
    """'mon,wed 10:00-12:00' opens only Monday and Wednesday mornings from ten to noon."""
    hours = WorkingHours.parse("mon,wed 10:00-12:00")
    assert hours.is_open(ams(2026, 3, 9, 11, 59))
    assert not hours.is_open(ams(2026, 3, 9, 12))
    assert hours.next_open(ams(2026, 3, 9, 12)) == ams(2026, 3, 11, 10)
    assert hours.next_open(ams(2026, 3, 10, 9)) == ams(2026, 3, 11, 10)
    assert hours.next_open(ams(2026, 3, 11, 13)) == ams(2026, 3, 16, 10)


def test_parse_accepts_lists_ranges_and_case() -> None:
    """Days may be listed, ranged and mixed, in any case; hours may have a one-digit hour."""
    hours = WorkingHours.parse("  Mon,TUE,thu  8:30-16:00 ")
    assert (hours.days, hours.start, hours.end) == (frozenset({0, 1, 3}), time(8, 30), time(16))
    assert WorkingHours.parse("mon-wed,fri 09:00-17:00").days == frozenset({0, 1, 2, 4})
    assert str(WorkingHours.parse("sun,mon-tue,thu 08:30-16:00")) == "mon-tue,thu,sun 08:30-16:00"


def test_parse_takes_zone_and_holiday_choice() -> None:
    """parse passes the time zone and holiday choice through."""
    hours = WorkingHours.parse("mon-fri 09:00-17:00", tz=ZoneInfo("Europe/London"), skip_holidays=False)
    assert (hours.tz.key, hours.skip_holidays) == ("Europe/London", False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("mnd-fri 09:00-17:00", "unknown day 'mnd' (expected mon..sun)", id="unknown-day"),
        pytest.param("mon,,fri 09:00-17:00", "unknown day '' (expected mon..sun)", id="empty-day"),
        pytest.param("mon-fri 17:00-09:00", "end 09:00 is not after start 17:00", id="end-before-start"),
        pytest.param("mon-fri 09:00-09:00", "end 09:00 is not after start 09:00", id="empty-period"),
        pytest.param("fri-mon 09:00-17:00", "day range 'fri-mon' runs backwards (expected e.g. 'mon-fri')", id="back"),
        pytest.param("mon-fri 24:00-25:00", "bad time '24:00' (expected HH:MM from 00:00 to 23:59)", id="hour"),
        pytest.param("mon-fri 09:60-17:00", "bad time '09:60' (expected HH:MM from 00:00 to 23:59)", id="minute"),
        pytest.param("mon-fri 9-17", "bad time '9' (expected HH:MM from 00:00 to 23:59)", id="no-minutes"),
        pytest.param("mon-fri 09:00", "bad hours '09:00' (expected HH:MM-HH:MM like '09:00-17:00')", id="no-end"),
        pytest.param(
            "mon-fri",
            "expected '<days> <HH:MM>-<HH:MM>' like 'mon-fri 09:00-17:00', got 'mon-fri'",
            id="no-hours",
        ),
    ],
)
def test_parse_errors_quote_the_bad_part(text: str, message: str) -> None:
    """A bad working-hours string raises ValueError quoting the bad part and saying what was expected."""
    with pytest.raises(ValueError, match=f"^{re.escape('working hours: ' + message)}$"):
        WorkingHours.parse(text)


def test_constructor_checks_its_fields() -> None:
    """Direct construction refuses no days, unknown weekdays and an end not after the start."""
    with pytest.raises(ValueError, match=re.escape("days [] (expected some of 0..6, Monday is 0)")):
        WorkingHours(days=frozenset())
    with pytest.raises(ValueError, match=re.escape("days [0, 7] (expected")):
        WorkingHours(days=frozenset({0, 7}))
    with pytest.raises(ValueError, match="end 08:00 is not after start 09:00"):
        WorkingHours(end=time(8))


@pytest.mark.parametrize(
    ("start", "delay", "expected"),
    [
        pytest.param(date(2026, 3, 6), "2d", date(2026, 3, 8), id="days"),
        pytest.param(date(2026, 3, 6), "3w", date(2026, 3, 27), id="weeks"),
        pytest.param(date(2026, 1, 31), "1m", date(2026, 2, 28), id="clamp-to-28-feb"),
        pytest.param(date(2028, 1, 31), "1m", date(2028, 2, 29), id="clamp-to-leap-day"),
        pytest.param(date(2026, 3, 31), "2m", date(2026, 5, 31), id="keep-day"),
        pytest.param(date(2026, 8, 31), "1m", date(2026, 9, 30), id="clamp-to-30"),
        pytest.param(date(2026, 12, 31), "2m", date(2027, 2, 28), id="over-new-year"),
        pytest.param(date(2026, 11, 15), "2m", date(2027, 1, 15), id="into-january"),
    ],
)
def test_due_after(start: date, delay: str, expected: date) -> None:
    """Days and weeks add days; months add calendar months, clamping the day to the month's end."""
    assert Delay(int(delay[:-1]), delay[-1]).due(start) == expected  # type: ignore[arg-type]


def test_spread_is_deterministic_and_within_the_window() -> None:
    """The same key and day give the same moment, inside the first window after opening."""
    window = timedelta(hours=2)
    monday = ams(2026, 3, 9)
    opening = ams(2026, 3, 9, 9)
    for n in range(50):
        found = HOURS.spread(monday, f"pseudonym-{n}", window)
        assert found == HOURS.spread(monday, f"pseudonym-{n}", window)
        assert opening <= found < opening + window
        assert found.tzinfo is UTC


def test_spread_differs_between_keys_and_days() -> None:
    """Different keys, and one key on different days, land at different moments."""
    window = timedelta(hours=2)
    by_key = {HOURS.spread(ams(2026, 3, 9), f"pseudonym-{n}", window) for n in range(20)}
    assert len(by_key) == 20
    offsets = {HOURS.spread(ams(2026, 3, d), "same", window) - ams(2026, 3, d, 9) for d in (9, 10, 11, 12, 13)}
    assert len(offsets) > 1


def test_spread_never_passes_closing_time() -> None:
    """A window reaching past 17:00 is cut at closing; from a closed moment it starts at the next opening."""
    late = ams(2026, 3, 9, 16, 50)
    for n in range(50):
        assert late <= HOURS.spread(late, f"k{n}", timedelta(hours=8)) < ams(2026, 3, 9, 17)
        assert ams(2026, 3, 9, 9) <= HOURS.spread(ams(2026, 3, 7), f"k{n}", timedelta(days=3)) < ams(2026, 3, 9, 17)
    last = ams(2026, 3, 9, 16, 59, second=59, micro=500_000)
    assert HOURS.spread(last, "k", timedelta(hours=1)) == last


def test_spread_with_no_window_is_the_opening() -> None:
    """A zero window means no spreading; a negative one is refused."""
    assert HOURS.spread(ams(2026, 3, 7), "k", timedelta(0)) == ams(2026, 3, 9, 9)
    with pytest.raises(ValueError, match=re.escape("working hours: spread window -60s is negative")):
        HOURS.spread(ams(2026, 3, 7), "k", timedelta(minutes=-1))


def test_shift_moves_by_the_pause_then_to_opening() -> None:
    """A pause moves the due time later by elapsed time, then to the next open moment."""
    assert HOURS.shift(ams(2026, 3, 12, 11), timedelta(hours=2)) == ams(2026, 3, 12, 13)
    assert HOURS.shift(ams(2026, 3, 12, 16), timedelta(hours=2)) == ams(2026, 3, 13, 9)
    assert HOURS.shift(ams(2026, 3, 13, 16), timedelta(days=3)) == ams(2026, 3, 16, 16)
    with pytest.raises(ValueError, match=re.escape("working hours: shift -86400s is negative")):
        HOURS.shift(ams(2026, 3, 12, 16), timedelta(days=-1))


def test_shift_counts_elapsed_time_across_dst() -> None:
    """A 48-hour pause over the March switch is 48 real hours, so it lands an hour later on the wall clock."""
    assert HOURS.shift(ams(2026, 3, 28, 10), timedelta(hours=48)) == ams(2026, 3, 30, 11)
    assert HOURS.shift(ams(2026, 3, 27, 16), timedelta(days=3)) == ams(2026, 3, 31, 9)


def _minutes(start: datetime, stop: datetime) -> list[datetime]:
    count = int((stop - start) / timedelta(minutes=1))
    return [start + timedelta(minutes=n) for n in range(count)]


@settings(max_examples=150, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    hours=st.sampled_from([HOURS, WorkingHours.parse("mon,wed 10:00-12:00"), WorkingHours.parse("sun 02:30-03:15")]),
)
@example(moment=utc(2026, 3, 29, 0, 59, second=30), hours=WorkingHours.parse("sun 02:30-03:15"))
@example(moment=utc(2026, 10, 25, 0, 10), hours=WorkingHours.parse("sun 02:30-03:15"))
@example(moment=utc(2026, 3, 27, 15, 59, second=59), hours=HOURS)
@example(moment=utc(2026, 10, 23, 14, 59, second=59), hours=HOURS)
def test_next_open_is_the_first_open_moment(moment: datetime, hours: WorkingHours) -> None:
    """next_open(x) is open, not before x, and no minute between x and it is open."""
    found = hours.next_open(moment)
    assert found >= moment
    assert hours.is_open(found)
    assert not any(hours.is_open(m) for m in _minutes(moment, found))
