"""The course definitions the running bot knows, and the plans it makes from them when someone joins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from bot.dialogue.course import Course, CourseId
from bot.schedule.calendar import WorkingHours
from bot.schedule.plan import first_slot, follow_up_plan
from bot.store.protocol import Planned, Tranche


class CourseBook:
    """Implements the Telegram layer's ``Courses``: titles and follow-up plans, from ``dialogues/courses/``."""

    def __init__(self, courses: Mapping[CourseId, Course], hours: WorkingHours) -> None:
        self.courses, self.hours = dict(courses), hours

    def plan(self, tranche: Tranche, key: str) -> list[Planned] | None:
        """The follow-ups of ``tranche``'s course for one person, or None if that course is not defined here."""
        course = self.courses.get(CourseId(tranche.course))
        return None if course is None else follow_up_plan(course, tranche.day, self.hours, key)

    def paused(self, dues: Sequence[datetime], until: date, key: str) -> list[datetime]:
        """``dues`` moved so that nothing comes before ``until``: the first to the first slot on or after it
        (spread by ``key`` like a plan), the others by as much, each into working hours. Unchanged if the
        first is already on or after ``until``."""
        if not dues or min(dues).astimezone(self.hours.tz).date() >= until:
            return list(dues)
        shift = first_slot(until, self.hours, key) - min(dues)
        return [self.hours.next_open(due + shift) for due in dues]

    def title(self, course: str, language: str) -> str:
        known = self.courses.get(CourseId(course))
        return known.title.get(language) if known else course

    def ids(self) -> list[str]:
        """The ids of the courses defined, in order."""
        return sorted(self.courses)

    def remember(self, course: Course) -> None:
        """A course published while the bot runs (or found in the store at start-up): new joiners get its plan."""
        self.courses[course.id] = course
