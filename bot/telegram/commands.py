"""The participant's commands: /start and the eleven in the menu."""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Message
from telegram.error import BadRequest

from bot.dialogue import engine
from bot.dialogue.loader import DIALOGUE_ID
from bot.dialogue.model import Dialogue, DialogueId
from bot.store.protocol import Participant
from bot.telegram import callbacks, community, insights, joining, menus, trainer
from bot.telegram.api import Markup
from bot.telegram.joinlink import PAYLOAD_PREFIX
from bot.telegram.render import keyboard
from bot.telegram.services import Services, Turn
from bot.telegram.texts import LANGUAGE_BUTTONS, LANGUAGES, text
from bot.telegram.uploads import Uploads

logger = logging.getLogger(__name__)
_PAYLOAD = re.compile(rf"(?:d_)?({DIALOGUE_ID.pattern})")
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+(.*))?", re.DOTALL)
TRAINER_ONLY = frozenset({"course", "versions", "graph", "insights", "cop"})
UNPAUSED = frozenset({"start", "resume", "help", "privacy", "mydata", "forget", "language", "shared", "digest"})
FORGET_EXPIRES = timedelta(minutes=10)  # how long the Yes button of a /forget prompt works
FORGET_CODE_BYTES = 6  # 8 URL-safe characters

Command = Callable[["Commands", Turn, str], Awaitable[None]]


@dataclass
class Commands:
    services: Services
    uploads: Uploads = field(init=False)  # trainers' drafts, shared with the router

    def __post_init__(self) -> None:
        self.uploads = Uploads(self.services)

    async def run(self, turn: Turn, message: str) -> None:
        """Run ``/name [argument]``; an unknown command gets a pointer to /help."""
        match = _COMMAND.fullmatch(message.strip())
        name = match.group(1).lower() if match else ""
        command = TABLE.get(name)
        if command is None or (name in TRAINER_ONLY and not await trainer.is_trainer(self.services, turn)):
            return await self.services.say(turn, "unknown_command")
        if turn.participant.paused and name not in UNPAUSED:
            return await self.services.say(turn, "stopped_reminder")
        await command(self, turn, (match.group(2) or "").strip() if match else "")

    async def start(self, turn: Turn, payload: str) -> None:
        """Welcome and language choice, then where the deep link ``payload`` points (if anywhere); someone who
        chose a language before goes there at once. The language buttons carry the link: nothing is stored."""
        if payload and turn.participant.language is not None:
            return await self._deep_link(turn, payload)
        link = payload if callbacks.carries(payload) else ""
        buttons = [
            (LANGUAGE_BUTTONS[code], callbacks.LanguageButton(code, onboarding=True, link=link).data)
            for code in _first(turn.language)
        ]
        await self.services.renderer.send(turn.chat_id, text("welcome", turn.language), keyboard(*buttons))

    async def onboard(self, turn: Turn, link: str = "") -> None:
        """After the language: the privacy note, then where the link points, or else the introduction."""
        await self.services.say(
            turn, "privacy", k=self.services.settings.min_group, days=self.services.settings.retention_days
        )
        introduction = await self._introduction()
        if link:
            await self._deep_link(turn, link)
            if link.startswith(PAYLOAD_PREFIX) and introduction is not None:  # a course joiner: where to begin
                body, button = text("course_intro_pointer", turn.language), text("intro_button", turn.language)
                await self.services.renderer.send(
                    turn.chat_id, body, keyboard((button, callbacks.OpenButton(introduction).data))
                )
            return None
        if introduction is None:
            return await self.services.say(turn, "intro_missing")
        await self.services.open(turn, introduction)

    async def _introduction(self) -> DialogueId | None:
        return next((d.id for d in sorted(await self._published(), key=lambda d: d.id) if d.session == "intro"), None)

    async def _deep_link(self, turn: Turn, payload: str) -> None:
        if payload.startswith(PAYLOAD_PREFIX):
            return await joining.join(self.services, turn, payload.removeprefix(PAYLOAD_PREFIX))
        if payload.startswith(trainer.INVITE_PREFIX):
            return await trainer.accept(self.services, turn, payload.removeprefix(trainer.INVITE_PREFIX))
        match = _PAYLOAD.fullmatch(payload)
        known = await self.services.store.dialogue_ids()
        if match is None or DialogueId(match.group(1)) not in known:
            return await self.services.say(turn, "unknown_payload")
        await self.services.open(turn, DialogueId(match.group(1)))

    async def sessions(self, turn: Turn, _: str) -> None:
        """The first screen of the menu of dialogues (see ``menus``), each with a progress mark and a button."""
        shown = await self._screen(turn, 0)
        if shown is None:
            return await self.services.say(turn, "sessions_empty")
        await self.services.renderer.send(turn.chat_id, *shown)

    async def page(self, turn: Turn, pressed: callbacks.PageButton, message: Message | None) -> None:
        """Another screen of /sessions, in place of the one pressed; a page the menu does not have is forged."""
        if turn.participant.paused:
            return await self.services.answer(turn, "stopped_reminder")
        shown = await self._screen(turn, pressed.page)
        if shown is None:
            return await self.services.answer(turn, "forged_button")
        await self.services.answer(turn)
        if message is None:  # too old for Telegram to say which message it was
            await self.services.renderer.send(turn.chat_id, *shown)
            return
        body, markup = shown
        try:
            await self.services.renderer.edit(message, body, markup)
        except BadRequest as exc:  # pressed twice: already showing that page
            logger.info("could not turn the page of /sessions: %s", exc.message)

    async def _screen(self, turn: Turn, page: int) -> tuple[str, Markup] | None:
        dialogues = await self._published()
        if not dialogues:
            return None
        found = await menus.entries(self.services, turn.who, dialogues)
        return menus.screen(found, page, turn.language)

    async def _published(self) -> list[Dialogue]:
        return await self.services.catalogue.published()

    async def continue_(self, turn: Turn, _: str) -> None:
        current = await self.services.store.current_dialogue(turn.who.person)
        resumed = await self.services.conversations.current(turn.who.person, current) if current else None
        if current is None or resumed is None:
            return await self.services.say(turn, "continue_nothing")
        await self.services.open(turn, current)

    async def back(self, turn: Turn, _: str) -> None:
        """Return to the previous question of the current dialogue, undoing its answer."""
        current = await self.services.store.current_dialogue(turn.who.person)
        if current is None:
            return await self.services.say(turn, "back_nothing")
        person = turn.who.person
        try:
            outcome = await turn.receipt.commit(
                lambda update: self.services.conversations.apply(person, current, engine.Back(), update)
            )
        except engine.EngineError:
            return await self.services.say(turn, "back_nothing")
        if outcome.state is not None:
            await self.services.show(turn, current, outcome.outputs, outcome.state.language)

    async def cancel(self, turn: Turn, _: str) -> None:
        person = turn.who.person
        if await self.services.store.current_dialogue(person) is None:
            return await self.services.say(turn, "cancel_nothing")
        await turn.receipt.commit(lambda update: self.services.store.set_current(person, None, update))
        await self.services.say(turn, "cancel_done")

    async def language(self, turn: Turn, _: str) -> None:
        buttons = [(LANGUAGE_BUTTONS[code], callbacks.LanguageButton(code).data) for code in _first(turn.language)]
        await self.services.renderer.send(turn.chat_id, text("language_prompt", turn.language), keyboard(*buttons))

    async def privacy(self, turn: Turn, _: str) -> None:
        settings = self.services.settings
        await self.services.say(turn, "privacy", k=settings.min_group, days=settings.retention_days)

    async def mydata(self, turn: Turn, _: str) -> None:
        exported = await self.services.store.export(turn.who)
        if not _holds_anything(exported, turn.participant):
            return await self.services.say(turn, "mydata_empty")
        content = json.dumps(exported, ensure_ascii=False, indent=2).encode()
        caption = text("mydata_caption", turn.language)
        await self.services.renderer.document(turn.chat_id, content, "goodwork-mydata.json", caption)

    async def forget(self, turn: Turn, _: str) -> None:
        """A prompt whose Yes button carries a one-time code that expires: a forged or old press erases nothing."""
        code, language = secrets.token_urlsafe(FORGET_CODE_BYTES), turn.language
        await self.services.store.ask_to_forget(turn.who.contact, code, self.services.clock() + FORGET_EXPIRES)
        buttons = [
            (text("forget_yes", language), callbacks.ForgetButton(code).data),
            (text("forget_no", language), callbacks.ForgetButton().data),
        ]
        minutes = int(FORGET_EXPIRES.total_seconds() // 60)
        body = text("forget_confirm", language, minutes=minutes)
        await self.services.renderer.send(turn.chat_id, body, keyboard(*buttons))

    async def course(self, turn: Turn, argument: str) -> None:
        await trainer.course(self.services, turn, argument)

    async def versions(self, turn: Turn, argument: str) -> None:
        await self.uploads.versions(turn, argument)

    async def graph(self, turn: Turn, argument: str) -> None:
        await self.uploads.graph(turn, argument)

    async def pause(self, turn: Turn, argument: str) -> None:
        await joining.pause(self.services, turn, argument, self.services.today())

    async def stop(self, turn: Turn, _: str) -> None:
        """Nothing more from the bot: settings say paused, and queued follow-ups are held until /resume."""
        contact = turn.who.contact
        await turn.receipt.commit(lambda update: self.services.store.stop(contact, update))
        await self.services.say(turn, "stop_done")

    async def resume(self, turn: Turn, _: str) -> None:
        """Messages again; held follow-ups that are still ahead are back in the plan."""
        if not turn.participant.paused:
            return await self.services.say(turn, "resume_not_stopped")
        contact, now = turn.who.contact, self.services.clock()
        await turn.receipt.commit(lambda update: self.services.store.resume(contact, now, update))
        await self.services.say(turn, "resume_done")

    async def digest(self, turn: Turn, argument: str) -> None:
        """/digest on | off: the weekly overview; anything else says how, and whether it is on now."""
        choice = argument.strip().lower()
        if choice not in ("on", "off"):
            state = text("digest_state_on" if turn.participant.digest else "digest_state_off", turn.language)
            return await self.services.say(turn, "digest_usage", state=state)
        contact, wanted = turn.who.contact, choice == "on"
        await turn.receipt.commit(
            lambda update: self.services.store.update_participant(contact, digest=wanted, update=update)
        )
        await self.services.say(turn, "digest_on" if wanted else "digest_off")

    async def shared(self, turn: Turn, _: str) -> None:
        await community.shared(self.services, turn)

    async def insights(self, turn: Turn, argument: str) -> None:
        await insights.insights(self.services, turn, argument)

    async def cop(self, turn: Turn, argument: str) -> None:
        await community.cop(self.services, turn, argument)

    async def help(self, turn: Turn, _: str) -> None:
        """The commands; a trainer also gets theirs."""
        body = text("help", turn.language)
        if await trainer.is_trainer(self.services, turn):
            body += "\n\n" + text("help_trainer", turn.language)
        await self.services.renderer.send(turn.chat_id, body)


def _holds_anything(exported: dict[str, Any], participant: Participant) -> bool:
    """More than the bare contact row that talking to the bot creates: an answer, progress or a setting."""
    kept = any(rows for table, rows in exported.items() if table not in ("format", "participants"))
    return kept or participant != Participant(participant.chat_id, active=participant.active)


def _first(language: str) -> list[str]:
    """The languages with the person's own first, so the likely choice is on top."""
    return [language, *(code for code in LANGUAGES if code != language)]


TABLE: dict[str, Command] = {
    "start": Commands.start,
    "sessions": Commands.sessions,
    "continue": Commands.continue_,
    "back": Commands.back,
    "cancel": Commands.cancel,
    "language": Commands.language,
    "privacy": Commands.privacy,
    "mydata": Commands.mydata,
    "forget": Commands.forget,
    "pause": Commands.pause,
    "course": Commands.course,
    "versions": Commands.versions,
    "graph": Commands.graph,
    "stop": Commands.stop,
    "resume": Commands.resume,
    "digest": Commands.digest,
    "shared": Commands.shared,
    "insights": Commands.insights,
    "cop": Commands.cop,
    "help": Commands.help,
}
