"""A course's follow-up plan for one person: which dialogue, when (in working hours, spread over the morning)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.dialogue.course import Course
from bot.schedule.calendar import WorkingHours
from bot.store.protocol import Planned

SPREAD = timedelta(hours=3)  # follow-ups due the same day go out over the first three open hours, not all at 09:00


def follow_up_plan(course: Course, course_day: date, hours: WorkingHours, key: str) -> list[Planned]:
    """One row per follow-up, counted from the course day, moved into working hours and spread by ``key``.

    ``key`` is any string stable for the person (not their chat id: it only decides the minute).
    """
    return [Planned(first_slot(f.after.due(course_day), hours, key), f.dialogue) for f in course.followups]


def first_slot(day: date, hours: WorkingHours, key: str) -> datetime:
    """The first working-hours moment on or after ``day``, spread over the morning by ``key``."""
    return hours.spread(datetime.combine(day, hours.start, tzinfo=hours.tz), key, SPREAD)
