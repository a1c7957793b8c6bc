"""Engine outputs as Telegram messages: bubbles with a typing pause, keyboards, the chosen option.

The only place that turns ``Say``/``AskChoice``/``AskText``/``Chosen``/``Finished``
into chat. Sending honours ``RetryAfter`` (a reply waits, it is not dropped);
``Forbidden`` (the person blocked the bot) is left to the caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ChatAction
from telegram.error import BadRequest, RetryAfter

from bot.dialogue.events import Answered, AskChoice, AskText, Chosen, Finished, Output, Say
from bot.telegram.texts import text

logger = logging.getLogger(__name__)
T = TypeVar("T")
RETRIES = 3
Peers = Callable[[Chosen], Awaitable[str]]


def keyboard(*rows: tuple[str, str]) -> InlineKeyboardMarkup:
    """One button per row: (label, callback data)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)] for label, data in rows])


class Renderer:
    def __init__(self, bot: Bot, pacing_ms: int) -> None:
        self.bot, self.pacing = bot, pacing_ms / 1000
        self._skips: dict[int, Message] = {}  # per chat, the question whose Skip button is still showing

    async def send(self, chat_id: int, body: str, markup: InlineKeyboardMarkup | None = None) -> Message:
        return await self.call(lambda: self.bot.send_message(chat_id, body, reply_markup=markup))

    async def outputs(
        self, chat_id: int, outputs: tuple[Output, ...], language: str, peers: Peers, pressed: Message | None = None
    ) -> None:
        """Show what a step produced, in order; the first bubble comes at once, the next after a pause."""
        first = True
        for output in outputs:
            if isinstance(output, Chosen | Answered):
                await self._record(chat_id, output, language, peers, pressed)
                continue
            shown = self._message(output, language)
            if shown is None:
                continue
            if not first:
                await self.pause(chat_id)
            first = False
            await self._show(chat_id, output, *shown)

    async def _record(
        self, chat_id: int, output: Chosen | Answered, language: str, peers: Peers, pressed: Message | None
    ) -> None:
        """Under the pressed question, what was chosen (or that it was skipped); then how peers chose."""
        if isinstance(output, Answered):
            skip_shown = self._skips.pop(chat_id, None)
            if output.text is None:
                await self.mark_chosen(pressed, text("chosen_mark", language, label=text("skip_button", language)))
            elif skip_shown is not None:  # answered by typing: the Skip button under the question goes
                await self.remove_keyboard(skip_shown)
            return
        await self.mark_chosen(pressed, text("chosen_mark", language, label=output.label))
        if output.peers:
            await self.send(chat_id, await peers(output))

    def _message(self, output: Output, language: str) -> tuple[str, InlineKeyboardMarkup | None] | None:
        if isinstance(output, Say):
            return output.text, None
        if isinstance(output, AskChoice):
            return output.text, keyboard(*((offer.label, offer.data) for offer in output.options))
        if isinstance(output, AskText):
            skip = keyboard((text("skip_button", language), output.skip_data)) if output.skip_data else None
            return output.text, skip
        if isinstance(output, Finished):
            return text("finished", language), None
        return None

    async def _show(self, chat_id: int, output: Output, body: str, markup: InlineKeyboardMarkup | None) -> None:
        if isinstance(output, Say) and output.image:
            image = output.image
            await self.call(lambda: self.bot.send_photo(chat_id, image, caption=body[:1024]))
            if len(body) > 1024:
                await self.send(chat_id, body)
            return
        sent = await self.send(chat_id, body, markup)
        if isinstance(output, AskText) and markup is not None:
            self._skips[chat_id] = sent

    async def mark_chosen(self, pressed: Message | None, mark: str) -> None:
        """Take the keyboard off the pressed question and show what was chosen under it."""
        if pressed is None or not pressed.text:
            return
        body = f"{pressed.text}\n\n{mark}"
        try:
            await self.call(lambda: self.bot.edit_message_text(body, pressed.chat_id, pressed.message_id))
        except BadRequest as exc:  # already edited (a repeated press) or too old to edit
            logger.info("could not mark the chosen option: %s", exc.message)

    async def remove_keyboard(self, pressed: Message | None, mark: str | None = None) -> None:
        if pressed is not None and mark:
            await self.mark_chosen(pressed, mark)
        elif pressed is not None:
            try:
                await self.call(lambda: self.bot.edit_message_reply_markup(pressed.chat_id, pressed.message_id))
            except BadRequest as exc:
                logger.info("could not remove a keyboard: %s", exc.message)

    async def pause(self, chat_id: int) -> None:
        """A short typing pause between two bubbles (none at all with pacing 0)."""
        if self.pacing <= 0:
            return
        await self.call(lambda: self.bot.send_chat_action(chat_id, ChatAction.TYPING))
        await asyncio.sleep(self.pacing)

    async def call(self, request: Callable[[], Awaitable[T]]) -> T:
        """Make a Bot API call, waiting out ``RetryAfter`` a few times instead of dropping the reply."""
        for attempt in range(1, RETRIES + 1):
            try:
                return await request()
            except RetryAfter as exc:
                if attempt == RETRIES:
                    raise
                await asyncio.sleep(retry_seconds(exc))
        raise AssertionError("unreachable")


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds (PTB gives a timedelta, or a number without PTB_TIMEDELTA)."""
    value: Any = exc.retry_after
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)
