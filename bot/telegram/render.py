"""Engine outputs as Telegram messages: bubbles with a typing pause, keyboards, the chosen option.

The only place that turns ``Say``/``AskChoice``/``AskText``/``Chosen``/``Finished``
into chat. Every call is retried until it goes through or clearly cannot:
``RetryAfter`` is waited out as often as Telegram asks (within ``MAX_WAIT`` in all),
network errors, timeouts and 5xx answers are tried again with a growing pause
(``NETWORK_TRIES`` times), and while a reply waits it holds no worker slot
(``slots.idle``). ``BadRequest`` (the request itself is wrong) and ``Forbidden``
(the person blocked the bot) are left to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ChatAction
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.dialogue.events import Answered, AskChoice, AskText, Chosen, Finished, Output, Say
from bot.telegram.slots import idle
from bot.telegram.texts import text

logger = logging.getLogger(__name__)
T = TypeVar("T")
NETWORK_TRIES = 5  # a network error, timeout or 5xx: tried again after 0.5, 1, 2 and 4 s
MAX_WAIT = 15 * 60.0  # seconds of RetryAfter waits one call may add up before it gives up
Peers = Callable[[Chosen], Awaitable[str]]
Consent = Callable[[Answered], tuple[str, InlineKeyboardMarkup]]  # the question asked after a shareable answer


def keyboard(*rows: tuple[str, str]) -> InlineKeyboardMarkup:
    """One button per row: (label, callback data)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)] for label, data in rows])


class Renderer:
    """Sends through ``bot``; images named in a dialogue are files in ``images`` (the dialogues folder)."""

    def __init__(self, bot: Bot, pacing_ms: int, images: Path | None = None) -> None:
        self.bot, self.pacing, self.images = bot, pacing_ms / 1000, images
        self._skips: dict[int, Message] = {}  # per chat, the question whose Skip button is still showing

    async def send(self, chat_id: int, body: str, markup: InlineKeyboardMarkup | None = None) -> Message:
        return await self.call(lambda: self.bot.send_message(chat_id, body, reply_markup=markup))

    async def outputs(
        self,
        chat_id: int,
        outputs: tuple[Output, ...],
        language: str,
        peers: Peers,
        *,
        pressed: Message | None = None,
        consent: Consent | None = None,
    ) -> int | None:
        """Show what a step produced, in order; the first bubble comes at once, the next after a pause.

        Returns the message id of the question shown last (None if none was), so that an answer can be
        told apart from text written before the question appeared.
        """
        first, asked = True, None
        for output in outputs:
            if isinstance(output, Chosen | Answered):
                await self._record(chat_id, output, language, peers, pressed)
                if isinstance(output, Answered) and output.share and output.text is not None and consent:
                    await self.send(chat_id, *consent(output))
                continue
            shown = self._message(output, language)
            if shown is None:
                continue
            if not first:
                await self.pause(chat_id)
            first = False
            sent = await self._show(chat_id, output, *shown)
            if isinstance(output, AskChoice | AskText):
                asked = sent
        return asked

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

    async def _show(self, chat_id: int, output: Output, body: str, markup: InlineKeyboardMarkup | None) -> int:
        if isinstance(output, Say) and output.image:
            image = output.image
            photo = await self.call(lambda: self.bot.send_photo(chat_id, self._image(image), caption=body[:1024]))
            if len(body) > 1024:
                return (await self.send(chat_id, body)).message_id
            return photo.message_id
        sent = await self.send(chat_id, body, markup)
        if isinstance(output, AskText) and markup is not None:
            self._skips[chat_id] = sent
        return sent.message_id

    def _image(self, name: str) -> str | bytes:
        """An https:// address as it is (Telegram fetches it); a file beside the dialogues, as its bytes."""
        if name.startswith("https://") or self.images is None:
            return name
        return (self.images / PurePosixPath(name)).read_bytes()

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
        await idle(self.pacing)

    async def call(self, request: Callable[[], Awaitable[T]]) -> T:
        """Make a Bot API call; wait and try again while Telegram asks to wait or cannot be reached."""
        waited, failures = 0.0, 0
        while True:
            try:
                return await request()
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                if waited + wait > MAX_WAIT:
                    raise
            except BadRequest:
                raise
            except NetworkError as exc:  # TimedOut, a dropped connection, a 5xx answer
                failures += 1
                if failures >= NETWORK_TRIES:
                    raise
                wait = 0.5 * 2 ** (failures - 1)
                logger.warning("Bot API call failed (%s); trying again in %.1f s", type(exc).__name__, wait)
            waited += wait
            await idle(wait)


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds (PTB gives a timedelta, or a number without PTB_TIMEDELTA)."""
    value: Any = exc.retry_after
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)
