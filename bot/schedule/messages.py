"""What a follow-up says: the course, the dialogue's title, and a button that opens it."""

from __future__ import annotations

import asyncio

from bot.schedule.courses import CourseBook
from bot.schedule.outbox import Compose
from bot.schedule.sender import Outgoing
from bot.store.catalogue import Catalogue
from bot.store.errors import UnknownDialogueError
from bot.store.protocol import Participant, Queued, Store
from bot.telegram.callbacks import OpenButton
from bot.telegram.texts import known, text


class FollowupMessages:
    """``Compose`` for the dispatcher: one short message per outbox row, in the person's language."""

    def __init__(self, store: Store, catalogue: Catalogue, courses: CourseBook) -> None:
        self.store, self.catalogue, self.courses = store, catalogue, courses
        self._courses: dict[str, asyncio.Future[str | None]] = {}  # tranche code -> its course (it never changes)

    async def __call__(self, row: Queued, participant: Participant) -> Outgoing:
        language = known(participant.language)
        course_id = await self._course_of(row.tranche) if row.tranche else None
        course = self.courses.title(course_id, language) if course_id else ""
        body = text(
            "reminder" if row.kind == "reminder" else "followup",
            language,
            course=course,
            title=await self._title(row, language),
        )
        button = ((text("followup_button", language), OpenButton(row.dialogue).data),)
        return Outgoing(participant.chat_id, body, f"outbox-{row.id}", (button,), row.attempts)

    async def _course_of(self, code: str) -> str | None:
        """The course of tranche ``code``, read once: a batch of follow-ups is mostly of a few tranches, and
        reading the tranche for each row was a fifth of the samples in a py-spy profile of the sender at
        1,000 messages a second (a twentieth after this)."""
        if code not in self._courses:  # rows are composed concurrently: the first read is shared
            self._courses[code] = asyncio.ensure_future(self._read_course(code))
        try:
            return await asyncio.shield(self._courses[code])
        except Exception:
            self._courses.pop(code, None)  # not kept: the next row reads it again
            raise

    async def _read_course(self, code: str) -> str | None:
        tranche = await self.store.tranche(code)
        return tranche.course if tranche is not None else None

    async def _title(self, row: Queued, language: str) -> str:
        try:
            return (await self.catalogue.get(row.dialogue)).title.get(language)
        except UnknownDialogueError:
            return row.dialogue


class Messages:
    """``Compose`` for every kind of outbox row: follow-ups and reminders, digests, trainers' tranche digests."""

    def __init__(self, followups: Compose, digests: Compose, tranches: Compose) -> None:
        self.kinds = {"digest": digests, "tranche-digest": tranches}
        self.followups = followups

    async def __call__(self, row: Queued, participant: Participant) -> Outgoing:
        return await self.kinds.get(row.kind, self.followups)(row, participant)
