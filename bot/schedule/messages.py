"""What a follow-up says: the course, the dialogue's title, and a button that opens it."""

from __future__ import annotations

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

    async def __call__(self, row: Queued, participant: Participant) -> Outgoing:
        language = known(participant.language)
        tranche = await self.store.tranche(row.tranche) if row.tranche else None
        course = self.courses.title(tranche.course, language) if tranche else ""
        body = text(
            "reminder" if row.kind == "reminder" else "followup",
            language,
            course=course,
            title=await self._title(row, language),
        )
        button = ((text("followup_button", language), OpenButton(row.dialogue).data),)
        return Outgoing(participant.chat_id, body, f"outbox-{row.id}", (button,), row.attempts)

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
