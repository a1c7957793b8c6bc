"""From an update to a reply: decode, call the conversations and the store, render. No business rules.

One entry point, ``Router.route``, sees every update (python-telegram-bot calls
it through a ``TypeHandler``) and sends it to ``on_member``, ``on_group``,
``on_button``, ``on_command``, ``on_text`` or ``on_media``. A trainer's document goes to
``Uploads`` (``uploads.py``), and so do a trainer's text and buttons while a preview is open.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass

from telegram import Message, Update
from telegram.error import Forbidden
from telegram.ext import ContextTypes

from bot import metrics
from bot.dialogue import engine
from bot.dialogue.buttons import ChoiceButton, SkipButton
from bot.dialogue.errors import ButtonError
from bot.store import RepeatedUpdateError
from bot.telegram import callbacks, community
from bot.telegram.commands import Commands
from bot.telegram.services import Services, Turn, guess_language
from bot.telegram.texts import text
from bot.telegram.trainer import is_trainer

logger = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


@dataclass
class Router:
    services: Services
    commands: Commands

    async def route(self, update: Update, context: Context) -> None:
        """Handle an update; one that changed something before is answered by showing where the person is.

        The top for an update: anything unexpected ends here, logged by type, with a true apology.
        """
        metrics.UPDATES.labels(_kind(update)).inc()
        with metrics.HANDLING.time():
            await self._route(update)

    async def _route(self, update: Update) -> None:
        turn: Turn | None = None
        try:
            turn = await self._arrive(update)
            if turn is not None and turn.receipt.before:
                await self.show_where(turn)
            elif turn is not None and update.edited_message is None:
                await self._private(turn)
        except RepeatedUpdateError:  # delivered twice at once: the other delivery made the change
            if turn is not None:
                await self.show_where(turn)
        except Forbidden:  # blocked by the person: stop writing to them until they come back
            await self._blocked(update)
        except Exception as exc:
            await self._apologise(update, turn, exc)

    async def _arrive(self, update: Update) -> Turn | None:
        """The turn of a person in a private chat; anything else is handled here (it changes nothing twice)."""
        chat, user = update.effective_chat, update.effective_user
        if update.my_chat_member is not None or chat is None or user is None or chat.type != "private":
            await self._outside_private(update)
            return None
        return await self.services.turn(update, user)

    async def _blocked(self, update: Update) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and chat.type == "private" and user is not None:
            contact = self.services.keys.telegram(user.id).contact
            await self.services.store.update_participant(contact, active=False)

    async def show_where(self, turn: Turn) -> None:
        """After a crash Telegram sends an update again that already changed something, but its reply may
        never have arrived: show the person where they are instead (the open question or the ending they
        reached, else what comes next)."""
        await self.services.answer(turn)
        if turn.participant.paused:
            return await self.services.say(turn, "stopped_reminder")
        current = await self.services.store.current_dialogue(turn.who.person)
        there = await self.services.conversations.where(turn.who.person, current) if current else None
        if current is not None and there is not None and there.state is not None and there.outputs:
            return await self.services.show(turn, current, there.outputs, there.state.language)
        if turn.participant.language is None:
            return await self.commands.start(turn, "")
        await self.commands.sessions(turn, "")

    async def _apologise(self, update: Update, turn: Turn | None, error: Exception) -> None:
        """Log the update id and the error type (never its content); tell the person what is true."""
        metrics.HANDLER_ERRORS.inc()
        frames = "".join(traceback.format_tb(error.__traceback__))
        logger.error(
            "update %s failed: %s (message left out)\n%s", update.update_id, type(error).__name__, frames.rstrip()
        )
        if turn is None:
            return
        try:
            await self.services.say(turn, "error_after_saving" if turn.receipt.recorded else "error_nothing_saved")
        except Exception:  # the apology is best effort; the bot keeps running
            logger.warning("could not apologise for update %s", update.update_id)

    async def _outside_private(self, update: Update) -> None:
        if update.my_chat_member is not None:
            await self.on_member(update)
        elif update.effective_chat is not None and update.effective_chat.type != "private":
            await self.on_group(update)

    async def _private(self, turn: Turn) -> None:
        update = turn.update
        if update.callback_query is not None:
            return await self.on_button(turn)
        message = update.message
        if message is None:
            return None
        if message.text and message.text.startswith("/"):
            return await self.commands.run(turn, message.text)
        if message.document is not None and await is_trainer(self.services, turn):
            return await self.commands.uploads.document(turn, message.document)
        if message.text and self.commands.uploads.previewing(turn) and await is_trainer(self.services, turn):
            return await self.commands.uploads.preview_text(turn, message.text)
        if turn.participant.paused:
            return await self.services.say(turn, "stopped_reminder")
        if message.text:
            return await self.on_text(turn, message.text)
        return await self.on_media(turn)

    async def slow_down(self, update: Update) -> None:
        """A flood past the poller's backlog: a cheap "slow down" (on the button, for a press); nothing stored."""
        chat, query = update.effective_chat, update.callback_query
        if chat is None or chat.type != "private":
            return
        notice = text("slow_down", _language_of(update))
        if query is not None:
            await self.services.renderer.answer(query.id, notice)
        elif update.message is not None:
            await self.services.renderer.send(chat.id, notice)

    async def on_member(self, update: Update) -> None:
        """The person blocked (or unblocked) the bot: keep their contact's status current."""
        member = update.my_chat_member
        assert member is not None
        if member.chat.type != "private":
            return
        active = member.new_chat_member.status not in ("kicked", "left")
        await self.services.store.update_participant(
            self.services.keys.telegram(member.from_user.id).contact, active=active
        )

    async def on_group(self, update: Update) -> None:
        """In a group the bot explains itself once per command and stores nothing."""
        message = update.effective_message
        if message is not None and message.text and message.text.startswith("/"):
            language = _language_of(update)
            await self.services.renderer.send(message.chat_id, text("group_only_private", language))

    async def on_text(self, turn: Turn, body: str) -> None:
        current = await self.services.store.current_dialogue(turn.who.person)
        if current is None:
            return await self.services.say(turn, "no_dialogue_text")
        if self.services.written_before_asked(turn):
            return await self.services.say(turn, "written_before_question")
        await self.services.step(turn, current, engine.Answer(body))

    async def on_media(self, turn: Turn) -> None:
        await self.services.say(turn, "media_not_understood")

    async def on_button(self, turn: Turn) -> None:
        query = turn.update.callback_query
        assert query is not None
        try:
            pressed = callbacks.decode(query.data)
        except ButtonError:
            return await self.services.answer(turn, "forged_button")
        message = _message(query.message)
        match pressed:
            case ChoiceButton() | SkipButton():
                await self._dialogue_button(turn, pressed, message)
            case callbacks.LanguageButton():
                await self._language_button(turn, pressed, message)
            case callbacks.OpenButton():
                await self._open_button(turn, pressed)
            case callbacks.PageButton():
                await self.commands.page(turn, pressed, message)
            case callbacks.ForgetButton():
                await self._forget_button(turn, pressed, message)
            case callbacks.ShareButton():
                await community.on_share(self.services, turn, pressed, message)
            case callbacks.WithdrawButton():
                await community.on_withdraw(self.services, turn, pressed)
            case callbacks.DraftButton() | callbacks.PreviewButton() | callbacks.RollbackButton():
                await self._trainer_button(turn, pressed, message)

    async def _dialogue_button(self, turn: Turn, pressed: ChoiceButton | SkipButton, message: Message | None) -> None:
        if turn.participant.paused:
            await self.services.answer(turn, "stopped_reminder")
            return
        event: engine.Event = (
            engine.Choose(pressed.option, pressed.node)
            if isinstance(pressed, ChoiceButton)
            else engine.Skip(pressed.node)
        )
        await self.services.step(turn, pressed.dialogue, event, version=pressed.version, pressed=message)

    async def _trainer_button(self, turn: Turn, pressed: callbacks.TrainerButton, message: Message | None) -> None:
        """A trainer's draft, preview or rollback button; from anyone else it is forged and changes nothing."""
        if not await is_trainer(self.services, turn):
            return await self.services.answer(turn, "forged_button")
        uploads = self.commands.uploads
        match pressed:
            case callbacks.DraftButton():
                await uploads.draft_button(turn, pressed, message)
            case callbacks.PreviewButton():
                await uploads.preview_button(turn, pressed, message)
            case callbacks.RollbackButton():
                await uploads.rollback_button(turn, pressed, message)

    async def _language_button(self, turn: Turn, pressed: callbacks.LanguageButton, message: Message | None) -> None:
        await self.services.answer(turn)
        await self.services.set_language(turn, pressed.language, message)
        chosen = turn.with_language(pressed.language)
        if pressed.onboarding:
            return await self.commands.onboard(chosen, pressed.link)
        await self.services.say(chosen, "language_set")

    async def _open_button(self, turn: Turn, pressed: callbacks.OpenButton) -> None:
        if turn.participant.paused:
            return await self.services.answer(turn, "stopped_reminder")
        if pressed.dialogue not in await self.services.store.dialogue_ids():
            return await self.services.answer(turn, "unknown_dialogue")
        await self.services.answer(turn)
        await self.services.open(turn, pressed.dialogue)

    async def _forget_button(self, turn: Turn, pressed: callbacks.ForgetButton, message: Message | None) -> None:
        """Only the code the /forget prompt issued, before it expires, erases; anything else changes nothing."""
        if pressed.code is None:
            await self.services.answer(turn)
            await self.services.renderer.remove_keyboard(message)
            return await self.services.say(turn, "forget_kept")
        code, who = pressed.code, turn.who
        erased = await turn.receipt.commit(lambda update: self.services.store.erase(who, confirm=code, update=update))
        if erased is None:
            return await self.services.answer(turn, "forget_expired")
        await self.services.answer(turn)
        await self.services.renderer.remove_keyboard(message)
        await self.services.say(turn, "forget_done")


async def on_error(update: object, context: Context) -> None:
    """An exception outside ``Router.route`` (in the library itself): logged by update id and error type."""
    update_id = update.update_id if isinstance(update, Update) else None
    metrics.HANDLER_ERRORS.inc()
    error = context.error
    frames = "".join(traceback.format_tb(error.__traceback__)) if error is not None else ""
    logger.error("update %s failed: %s (message left out)\n%s", update_id, type(error).__name__, frames.rstrip())


def _kind(update: Update) -> str:
    """The kind of update, as the metrics count it."""
    if update.callback_query is not None:
        return "button"
    if update.message is not None:
        return "message"
    if update.edited_message is not None:
        return "edited"
    return "membership" if update.my_chat_member is not None else "other"


def _message(message: object) -> Message | None:
    return message if isinstance(message, Message) else None


def _language_of(update: Update) -> str:
    user = update.effective_user
    return guess_language(user.language_code if user is not None else None)
