"""A course's follow-up plan lands in working hours, spread over the morning, counted from the course day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.dialogue.course import load_course
from bot.schedule.calendar import WorkingHours
from bot.schedule.plan import follow_up_plan

COURSE = Path(__file__).parents[2] / "dialogues" / "courses" / "art-of-connecting.yaml"


def test_art_of_connecting_plan() -> None:
    """Two days, a week, three weeks and two months after the course, each on a working day in the morning."""
    course = load_course(COURSE.read_bytes(), str(COURSE))
    hours = WorkingHours()
    plan = follow_up_plan(course, date(2026, 4, 24), hours, key="anna")
    local = [p.due.astimezone(hours.tz) for p in plan]
    assert [d.date() for d in local] == [date(2026, 4, 28), date(2026, 5, 1), date(2026, 5, 15), date(2026, 6, 24)]
    assert all(9 <= d.hour < 12 and hours.is_open(d) for d in local)
    assert [p.dialogue for p in plan] == [f.dialogue for f in course.followups]


def test_weekend_and_holiday_move_to_the_next_working_day() -> None:
    """A follow-up due on a Sunday or on King's Day goes out on the next working morning."""
    course = load_course(COURSE.read_bytes(), str(COURSE))
    first = follow_up_plan(course, date(2026, 4, 25), WorkingHours(), key="ben")[0]  # 2 days later: Monday 27 April
    assert first.due.astimezone(WorkingHours().tz).date() == date(2026, 4, 28), "King's Day is skipped"


def test_people_are_spread() -> None:
    """Different people due the same morning get different minutes, each stable."""
    course = load_course(COURSE.read_bytes(), str(COURSE))
    dues = {follow_up_plan(course, date(2026, 3, 2), WorkingHours(), key=f"p{n}")[0].due for n in range(20)}
    assert len(dues) > 15 and all(d.utcoffset() is not None for d in dues)
