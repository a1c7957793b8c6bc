"""Engine outputs as Telegram messages: a step's bubbles joined, keyboards, the chosen option.

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
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple, Protocol, TypeVar

from telegram import Bot, InputFile
from telegram.constants import ChatAction
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot import metrics
from bot.dialogue.events import Answered, AskChoice, AskText, Chosen, Finished, Output, Say
from bot.dialogue.texts import MAX_LABEL
from bot.telegram import api, bubbles
from bot.telegram.bubbles import CAPTION_LIMIT, MESSAGE_LIMIT, cut
from bot.telegram.slots import idle
from bot.telegram.texts import text

logger = logging.getLogger(__name__)
T = TypeVar("T")
NETWORK_TRIES = 5  # a network error, timeout or 5xx: tried again after 0.5, 1, 2 and 4 s
# Characters a question's message keeps free for "→ <label>" under it after the press (labels are
# at most MAX_LABEL characters, and the labels of the bot's own buttons are shorter still).
MARK_ROOM = len("\n\n→ ") + MAX_LABEL
_REPLIES = metrics.SENT.labels("reply")  # every message, photo and document the renderer sends
MAX_WAIT = 15 * 60.0  # seconds of RetryAfter waits one call may add up before it gives up
Peers = Callable[[Chosen], Awaitable[str]]
Consent = Callable[[Answered], tuple[str, api.Markup]]  # the question asked after a shareable answer


class Shown(NamedTuple):
    """A message the bot sent: all a reply needs of it later (python-telegram-bot's ``Message`` fits too)."""

    chat_id: int
    message_id: int
    text: str | None


class Posted(Protocol):
    @property
    def chat_id(self) -> int: ...

    @property
    def message_id(self) -> int: ...

    @property
    def text(self) -> str | None: ...


@dataclass
class _Step:
    """The messages of one step sent so far, and whether its typing action was shown."""

    chat_id: int
    messages: int = 0
    typing: bool = False


def keyboard(*rows: api.Button) -> api.Markup:
    """One button per row: (label, callback data)."""
    return api.keyboard([row] for row in rows)


class Renderer:
    """Sends through ``bot``; images named in a dialogue are files in ``images`` (the dialogues folder)."""

    def __init__(self, bot: Bot, pacing_ms: int, images: Path | None = None) -> None:
        self.bot, self.pacing, self.images = bot, pacing_ms / 1000, images
        self._skips: dict[int, Posted] = {}  # per chat, the question whose Skip button is still showing

    async def send(self, chat_id: int, body: str, markup: api.Markup | None = None) -> Shown:
        shown = Shown(chat_id, await self.call(lambda: api.send_message(self.bot, chat_id, body, markup)), body)
        _REPLIES.inc()
        return shown

    async def photo(self, chat_id: int, content: bytes, filename: str, caption: str | None = None) -> None:
        """A picture the bot made (a graph, a QR code), with a caption cut to Telegram's 1,024 characters."""
        photo = InputFile(content, filename=filename)
        await self.call(
            lambda: self.bot.send_photo(chat_id, photo, caption=cut(caption, CAPTION_LIMIT) if caption else None)
        )
        _REPLIES.inc()

    async def document(self, chat_id: int, content: bytes, filename: str, caption: str | None = None) -> None:
        """A file the bot made (an export, a pack), with a caption cut to Telegram's 1,024 characters."""
        document = InputFile(content, filename=filename)
        await self.call(
            lambda: self.bot.send_document(chat_id, document, caption=cut(caption, CAPTION_LIMIT) if caption else None)
        )
        _REPLIES.inc()

    async def edit(self, shown: Posted, body: str, markup: api.Markup | None = None) -> None:
        """Show ``body`` (and ``markup``) in place of a message the bot sent."""
        params = api.with_markup({"chat_id": shown.chat_id, "message_id": shown.message_id, "text": body}, markup)
        await self.call(lambda: api.call(self.bot, "editMessageText", params))

    async def answer(self, query_id: str, notice: str | None = None) -> None:
        """Answer a button press (Telegram shows a spinner until then), with a short notice if given."""
        params: dict[str, Any] = {"callback_query_id": query_id}
        if notice:
            params["text"] = notice
        await self.call(lambda: api.call(self.bot, "answerCallbackQuery", params))

    async def download(self, file_id: str) -> bytes:
        """The bytes of a file someone sent the bot."""
        found = await self.call(lambda: self.bot.get_file(file_id))
        return bytes(await self.call(found.download_as_bytearray))

    async def outputs(
        self,
        chat_id: int,
        outputs: tuple[Output, ...],
        language: str,
        peers: Peers,
        *,
        pressed: Posted | None = None,
        consent: Consent | None = None,
    ) -> int | None:
        """Show what a step produced, in order, as few messages as Telegram allows (``bubbles``).

        The bubbles of a step are paragraphs of one message with the question last; an image is a
        photo captioned with the text before it when that fits. The first message comes at once,
        any next one after a pause (one typing action per step). Returns the message id of the
        question shown last (None if none was), so that an answer can be told apart from text
        written before the question appeared.
        """
        step, paragraphs, asked = _Step(chat_id), [], None
        for output in outputs:
            if isinstance(output, Chosen | Answered):
                if note := await self._record(chat_id, output, language, peers, pressed):
                    paragraphs.append(note)
                if isinstance(output, Answered) and output.share and output.text is not None and consent:
                    await self._paced(step, *consent(output))
            elif isinstance(output, Say) and output.image:
                paragraphs = await self._photo(step, output.image, [*paragraphs, output.text])
            elif isinstance(output, Say):
                paragraphs.append(output.text)
            elif isinstance(output, AskChoice | AskText):
                markup = self._markup(output, language)
                asked = await self._paragraphs(step, [*paragraphs, output.text], markup)
                paragraphs = []
                if isinstance(output, AskText) and markup is not None:
                    self._skips[chat_id] = asked
            elif isinstance(output, Finished):
                paragraphs.append(text("finished", language))
        if paragraphs:
            await self._paragraphs(step, paragraphs, None)
        return asked.message_id if asked is not None else None

    async def _record(
        self, chat_id: int, output: Chosen | Answered, language: str, peers: Peers, pressed: Posted | None
    ) -> str | None:
        """Under the pressed question, what was chosen (or that it was skipped); how peers chose, to show next."""
        if isinstance(output, Answered):
            skip_shown = self._skips.pop(chat_id, None)
            if output.text is None:
                await self.mark_chosen(pressed, text("chosen_mark", language, label=text("skip_button", language)))
            elif skip_shown is not None:  # answered by typing: the Skip button under the question goes
                await self.remove_keyboard(skip_shown)
            return None
        await self.mark_chosen(pressed, text("chosen_mark", language, label=output.label))
        return await peers(output) if output.peers else None

    @staticmethod
    def _markup(output: AskChoice | AskText, language: str) -> api.Markup | None:
        if isinstance(output, AskChoice):
            return keyboard(*((offer.label, offer.data) for offer in output.options))
        return keyboard((text("skip_button", language), output.skip_data)) if output.skip_data else None

    async def _paragraphs(self, step: _Step, paragraphs: list[str], markup: api.Markup | None) -> Shown:
        """``paragraphs`` as few messages as fit, ``markup`` under the last; the last message sent.

        A question leaves room for the mark of the chosen option that its message gets after the press.
        """
        *before, last = bubbles.messages(paragraphs, MESSAGE_LIMIT - MARK_ROOM if markup else MESSAGE_LIMIT)
        for body in before:
            await self._paced(step, body)
        return await self._paced(step, last, markup)

    async def _photo(self, step: _Step, image: str, paragraphs: list[str]) -> list[str]:
        """The image, captioned with ``paragraphs`` (its own text last) if they fit; what is left to show after it."""
        *before, own = paragraphs
        if (joined := bubbles.caption(paragraphs)) is None and before:
            await self._paragraphs(step, before, None)
            joined = bubbles.caption([own])
        await self._before(step)
        await self.call(lambda: self.bot.send_photo(step.chat_id, self._image(image), caption=joined or None))
        _REPLIES.inc()
        return [own] if joined is None else []

    async def _paced(self, step: _Step, body: str, markup: api.Markup | None = None) -> Shown:
        await self._before(step)
        return await self.send(step.chat_id, body, markup)

    async def _before(self, step: _Step) -> None:
        """The first message of a step goes at once; each next one after a pause, typing shown once per step."""
        step.messages += 1
        if step.messages == 1 or self.pacing <= 0:
            return
        if not step.typing:
            step.typing = True
            typing = {"chat_id": step.chat_id, "action": ChatAction.TYPING.value}
            await self.call(lambda: api.call(self.bot, "sendChatAction", typing))
        await idle(self.pacing)

    def _image(self, name: str) -> str | bytes:
        """An https:// address as it is (Telegram fetches it); a file beside the dialogues, as its bytes."""
        if name.startswith("https://") or self.images is None:
            return name
        return (self.images / PurePosixPath(name)).read_bytes()

    async def mark_chosen(self, pressed: Posted | None, mark: str) -> None:
        """Take the keyboard off the pressed question and show what was chosen under it."""
        if pressed is None or not pressed.text:
            return
        body = f"{pressed.text}\n\n{mark}"
        try:
            await self.edit(pressed, body)
        except BadRequest as exc:  # already edited (a repeated press) or too old to edit
            logger.info("could not mark the chosen option: %s", exc.message)

    async def remove_keyboard(self, pressed: Posted | None, mark: str | None = None) -> None:
        if pressed is not None and mark:
            await self.mark_chosen(pressed, mark)
        elif pressed is not None:
            try:
                edit = {"chat_id": pressed.chat_id, "message_id": pressed.message_id}
                await self.call(lambda: api.call(self.bot, "editMessageReplyMarkup", edit))
            except BadRequest as exc:
                logger.info("could not remove a keyboard: %s", exc.message)

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
