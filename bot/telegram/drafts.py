"""A trainer's draft: the last file they sent, kept in memory (never in the database), and its buttons."""

from __future__ import annotations

from dataclasses import dataclass

from bot.dialogue.course import Course
from bot.dialogue.model import Dialogue
from bot.dialogue.state import State
from bot.telegram.api import Markup
from bot.telegram.callbacks import DraftButton
from bot.telegram.render import keyboard
from bot.telegram.services import Turn
from bot.telegram.texts import text


@dataclass(slots=True)
class Draft:
    number: int
    source: bytes
    filename: str
    dialogue: Dialogue | None  # a dialogue draft, or
    preview: State | None = None
    course: Course | None = None  # a course draft (no preview)

    @property
    def id(self) -> str:
        return self.dialogue.id if self.dialogue else self.course.id if self.course else ""


def draft_keyboard(draft: Draft, language: str) -> Markup:
    """Preview (for a dialogue), Publish, Discard."""
    preview = [(text("draft_preview", language), DraftButton("preview", draft.number).data)] if draft.dialogue else []
    return keyboard(
        *preview,
        (text("draft_publish", language), DraftButton("publish", draft.number).data),
        (text("draft_discard", language), DraftButton("discard", draft.number).data),
    )


def trainer_of(turn: Turn) -> int:
    """The Telegram id of the trainer in this turn (drafts are kept per trainer)."""
    user = turn.update.effective_user
    assert user is not None
    return user.id
