"""The menus: Telegram's command menus (everyone's in Dutch and English, a longer one in each trainer's own
chat), and the /sessions menu, grouped and paged for a phone.

/sessions shows, in this order: the four toolkit sessions; the dilemma of the week (the newest published
weekly dilemma the person has not finished) and the earlier ones; the follow-ups of the courses the person
joined; then everything else. Each button is a progress mark and the title; at most ``PAGE_SIZE`` of them
on one screen, with "more" and "back" buttons between screens.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, Forbidden

from bot.dialogue.model import SESSIONS, Dialogue, DialogueId
from bot.store.keys import Identity
from bot.telegram.api import Button, Markup, keyboard
from bot.telegram.callbacks import OpenButton, PageButton
from bot.telegram.services import Services
from bot.telegram.texts import COMMANDS, LANGUAGES, MARK_DONE, MARK_NEW, MARK_STARTED, text

logger = logging.getLogger(__name__)

TRAINER_COMMANDS: dict[str, dict[str, str]] = {
    "course": {"nl": "Cursusgroepen: openen, tellen, sluiten", "en": "Course tranches: open, count, close"},
    "versions": {"nl": "Versies van een gesprek, terugzetten", "en": "Versions of a dialogue, roll back"},
    "graph": {"nl": "Een gesprek als plaatje", "en": "A dialogue as a picture"},
    "insights": {"nl": "Waar mensen afhaken in een gesprek", "en": "Where people give up in a dialogue"},
    "cop": {"nl": "Pakket voor de Community of Practice", "en": "A Community of Practice pack"},
}
PAGE_SIZE = 8  # dialogue buttons on one screen of /sessions
TOOLKIT = ("intro", "excellence", "ethics", "engagement")
COURSE_SESSIONS = ("followup", "connecting")  # shown only to people whose course names them
SECTIONS = ("toolkit", "week", "weekly", "followup", "other")
_LONG_AGO = datetime.min.replace(tzinfo=UTC)


def menu(language: str, trainer: bool = False) -> list[BotCommand]:
    entries = {**COMMANDS, **(TRAINER_COMMANDS if trainer else {})}
    return [BotCommand(name, texts[language]) for name, texts in entries.items()]


async def set_menus(bot: Bot, trainers: frozenset[int]) -> None:
    """Everyone's menu per language (Dutch as the default); trainers also see their commands, in their chat only."""
    for language in LANGUAGES:
        await bot.set_my_commands(menu(language), language_code=language)
    await bot.set_my_commands(menu("nl"))
    for trainer in sorted(trainers):
        await set_trainer_menu(bot, trainer)


async def set_trainer_menu(bot: Bot, chat_id: int) -> None:
    """The trainer commands in one trainer's chat, in both languages."""
    try:
        for language in LANGUAGES:
            scope = BotCommandScopeChat(chat_id)
            await bot.set_my_commands(menu(language, trainer=True), scope=scope, language_code=language)
        await bot.set_my_commands(menu("nl", trainer=True), scope=BotCommandScopeChat(chat_id))
    except (BadRequest, Forbidden) as exc:  # a trainer who has not opened a chat with the bot yet
        logger.warning("no trainer menu for one trainer yet (%s); it is set at the next start", exc.message)


# -- /sessions ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One button of /sessions: its section (one of ``SECTIONS``), the dialogue and its progress mark."""

    section: str
    dialogue: Dialogue
    mark: str

    def button(self, language: str) -> Button:
        title = self.dialogue.title.get(language)
        week = self.section == "week"
        label = text("sessions_week_button", language, mark=self.mark, title=title) if week else f"{self.mark} {title}"
        return label, OpenButton(self.dialogue.id).data


async def entries(services: Services, who: Identity, dialogues: list[Dialogue]) -> list[Entry]:
    """What /sessions shows ``who``, in order: of ``dialogues`` (the published ones), those meant for them."""
    saved = await services.store.conversations(who.person)
    done = {s.state.dialogue: s.state.done for s in saved}
    followups = [*await course_followups(services, who), *sorted(done)]
    first = await services.store.first_published()
    return arrange(dialogues, done, first, followups)


def arrange(
    dialogues: Iterable[Dialogue],
    done: Mapping[DialogueId, bool],
    first: Mapping[DialogueId, datetime],
    followups: list[DialogueId],
) -> list[Entry]:
    """The menu's order; a course's follow-up is there only if ``followups`` names it (in that order)."""
    by_session: dict[str, list[Dialogue]] = {}
    for dialogue in dialogues:
        by_session.setdefault(dialogue.session, []).append(dialogue)
    toolkit = sorted((d for s in TOOLKIT for d in by_session.get(s, [])), key=_toolkit_order)
    weekly = sorted(by_session.get("weekly", []), key=lambda d: (-first.get(d.id, _LONG_AGO).timestamp(), d.id))
    week = next((d for d in weekly if not done.get(d.id, False)), None)
    rank = {dialogue: index for index, dialogue in reversed(list(enumerate(followups)))}
    course = sorted(
        (d for s in COURSE_SESSIONS for d in by_session.get(s, []) if d.id in rank), key=lambda d: rank[d.id]
    )
    others = sorted(
        (d for s, ds in by_session.items() if s not in (*TOOLKIT, "weekly", *COURSE_SESSIONS) for d in ds), key=_order
    )
    sections = [
        ("toolkit", toolkit),
        ("week", [week] if week else []),
        ("weekly", [d for d in weekly if d is not week]),
        ("followup", course),
        ("other", others),
    ]
    return [Entry(section, d, _mark(done, d.id)) for section, found in sections for d in found]


def page_count(found: list[Entry]) -> int:
    return max(1, -(-len(found) // PAGE_SIZE))


def screen(found: list[Entry], page: int, language: str) -> tuple[str, Markup] | None:
    """Page ``page`` of the menu as a text and its keyboard; None for a page the menu does not have."""
    pages = page_count(found)
    if not 0 <= page < pages:
        return None
    shown = found[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    sections = " · ".join(text("section_" + s, language) for s in SECTIONS if any(e.section == s for e in shown))
    lines = [text("sessions_header", language), "", sections]
    if pages > 1:
        lines.append(text("sessions_page", language, page=page + 1, pages=pages))
    paging = [
        *([(text("sessions_back", language), PageButton(page - 1).data)] if page else []),
        *([(text("sessions_more", language), PageButton(page + 1).data)] if page + 1 < pages else []),
    ]
    rows = [[entry.button(language)] for entry in shown] + ([paging] if paging else [])
    return "\n".join(lines), keyboard(rows)


async def course_followups(services: Services, who: Identity) -> list[DialogueId]:
    """The follow-up dialogues of every course ``who`` joined, in the order each course plans them.

    The store has no query for one contact's tranches; its export (what /mydata sends) holds them.
    """
    exported = await services.store.export(who)
    found: list[DialogueId] = []
    for row in exported.get("enrolments", []):
        tranche = await services.store.tranche(str(row["tranche"]))
        if tranche is None:
            continue
        plan = services.courses.plan(tranche, who.contact) if services.courses is not None else None
        if plan is not None:
            found += [planned.dialogue for planned in plan]
        elif (course := await services.catalogue.course(tranche.course)) is not None:
            found += [followup.dialogue for followup in course.followups]
    return found


def _mark(done: Mapping[DialogueId, bool], dialogue: DialogueId) -> str:
    if dialogue not in done:
        return MARK_NEW
    return MARK_DONE if done[dialogue] else MARK_STARTED


def _toolkit_order(dialogue: Dialogue) -> tuple[int, str]:
    return TOOLKIT.index(dialogue.session), dialogue.id


def _order(dialogue: Dialogue) -> tuple[int, str]:
    return (SESSIONS.index(dialogue.session) if dialogue.session in SESSIONS else len(SESSIONS), dialogue.id)
