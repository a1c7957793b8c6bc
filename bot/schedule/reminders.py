"""One gentle reminder when a follow-up stays unanswered, then the plan backs off.

After a follow-up goes out, a reminder is queued ``reminders.after_working_days``
working days later (per course; none when ``reminders.max`` is 0). When it is
due, it is skipped if the person has started that dialogue since; otherwise it
goes out, and the person's remaining follow-ups move a week later, so someone
who is busy is not chased.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.dialogue.course import CourseId
from bot.dialogue.model import DialogueId
from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.store.keys import Keys
from bot.store.protocol import Participant, Queued, Store


class ReminderPolicy:
    def __init__(self, store: Store, keys: Keys, courses: CourseBook, hours: WorkingHours) -> None:
        self.store, self.keys, self.courses, self.hours = store, keys, courses, hours

    async def due(self, row: Queued, sent_at: datetime) -> datetime | None:
        """When to remind about the follow-up ``row`` that just went out; None for no reminder."""
        tranche = await self.store.tranche(row.tranche) if row.tranche else None
        course = self.courses.courses.get(CourseId(tranche.course)) if tranche else None
        if course is None or course.reminders.max < 1:
            return None
        return after_working_days(self.hours, sent_at, course.reminders.after_working_days)

    async def answered(self, row: Queued, participant: Participant) -> bool:
        """Whether the person started the dialogue of ``row``. Only the running bot can tell: it holds the secret."""
        person = self.keys.telegram(participant.chat_id).person
        return await self.store.load_state(person, DialogueId(row.dialogue)) is not None


def after_working_days(hours: WorkingHours, moment: datetime, days: int) -> datetime:
    """The same time of day ``days`` working days after ``moment``, moved into working hours."""
    local = moment.astimezone(hours.tz)
    day, counted = local.date(), 0
    while counted < days:
        day += timedelta(days=1)
        counted += hours.is_working_day(day)
    return hours.next_open(datetime.combine(day, local.time(), tzinfo=hours.tz))
