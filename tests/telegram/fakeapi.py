"""A fake Telegram Bot API server for tests: real HTTP on 127.0.0.1, answering like Telegram.

The bot under test talks to it unmodified, through python-telegram-bot's own
``Bot(token, base_url=tg.api_url, base_file_url=tg.file_url)``. The fake keeps
what the bot sent (per chat, edits and deletions applied), hands out updates a
test pushed through ``getUpdates`` long polling, and answers Telegram's errors
with Telegram's words and status codes, so PTB raises the same exceptions it
would in production (``BadRequest``, ``Forbidden``, ``Conflict``, ``RetryAfter``). It can also
limit chosen chats (``limit_chats``), make a call slow (``stall_next``) or carry one out and close the
connection unanswered (``drop_next``), so a test can see what the bot does when an outcome is unknown.

Parameters arrive as form fields (multipart when a file is uploaded); PTB sends
strings as they are and JSON-encodes everything else, so a field is decoded as
JSON unless it is one of the fields Telegram defines as a string.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import mimetypes
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    import telegram
    from person import Person

JSON = dict[str, Any]
Handler = Callable[[JSON], Any]

TOKEN = "123456789:AAFakeTelegramTokenForGoodWorkTests"
BOT_ID = 123456789
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
WEBHOOK_GRACE = 1.0  # seconds a webhook's update may go without a request from the bot before settled() gives up
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
# Telegram's default when allowed_updates is empty or was never given.
NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)
# Fields the Bot API defines as strings (or as "InputFile or String"): never JSON-decoded, so the
# text "123" stays a string. Every other field is JSON when it parses as JSON.
STRING_FIELDS = frozenset(
    [
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "action",
        "file_id",
        "description",
        "short_description",
        "language_code",
        "url",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "document",
        "photo",
        "voice",
        "audio",
        "video",
        "animation",
        "sticker",
        "thumbnail",
        "video_note",
        "name",
        "title",
        "emoji",
        "question",
        "explanation",
        "address",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "payload",
        "secret_token",
        "ip_address",
    ]
)


class ApiError(Exception):
    """An answer ``{"ok": false, ...}``; the HTTP status equals ``error_code``, as Telegram does it."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def response(self) -> web.Response:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.status)


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class Call:
    """One request the bot made: the method, its decoded parameters, and when (``time.monotonic()``)."""

    method: str
    params: JSON
    at: float


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart request, or one a person sent to the bot."""

    filename: str
    content: bytes
    mime_type: str

    def text(self) -> str:
        return self.content.decode()

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass(frozen=True)
class CallbackAnswer:
    """One answerCallbackQuery: which press it answered (query id, user) and what it said."""

    query_id: str
    user_id: int
    text: str
    show_alert: bool


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    upload: Upload
    url: str | None = None

    def described(self) -> JSON:
        """The fields every Telegram file object has."""
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.upload.content)}


@dataclass
class StoredMessage:
    """A message in a chat as it is now (edits applied); ``upload`` is the file the bot sent with it."""

    data: JSON
    by_bot: bool
    deleted: bool = False
    upload: Upload | None = None


@dataclass
class Chat:
    data: JSON
    blocked: bool = False
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    next_message_id: int = 1
    sent_at: deque[float] = field(default_factory=deque)

    @property
    def id(self) -> int:
        return int(self.data["id"])

    def bot_messages(self) -> list[StoredMessage]:
        """Everything the bot sent here, in order, deleted ones included (they are flagged)."""
        return [message for message in self.messages.values() if message.by_bot]


@dataclass
class _ChatLimit:
    """A 429 limit on one chosen chat (``limit_chats``), counted apart from ``limit_per_chat``."""

    per_second: float
    retry_after: int | None = None
    sent_at: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> int:
        """Seconds to answer in a 429 (0: the message fits the rate now)."""
        wait = retry_after(self.sent_at, self.per_second, now)
        return self.retry_after if wait and self.retry_after is not None else wait


@dataclass(eq=False)
class _Queued:
    update: JSON
    forced: bool = False  # a redelivery: handed out once even though its id is below the offset
    delivered: bool = False
    posting: bool = False  # being posted to the webhook now

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])

    @property
    def kind(self) -> str:
        return next(key for key in self.update if key != "update_id")


def _chat_of(update: JSON) -> int:
    """The chat an update belongs to (its sender's when it has no chat; its own id when neither): Telegram posts
    one chat's updates to a webhook in order."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        message = value.get("message") if isinstance(value.get("message"), dict) else value
        chat = message.get("chat") or value.get("chat") or value.get("from")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    return -int(update["update_id"])


class Sent:
    """A read-only view of one message the bot sent, as it is now."""

    def __init__(self, stored: StoredMessage) -> None:
        self._stored = stored

    def __repr__(self) -> str:
        return f"Sent(message_id={self.message_id}, text={self.text!r}, buttons={self.buttons})"

    @property
    def raw(self) -> JSON:
        """The message as Telegram would send it in an update."""
        return copy.deepcopy(self._stored.data)

    @property
    def message_id(self) -> int:
        return int(self._stored.data["message_id"])

    @property
    def text(self) -> str:
        """The text, or a media message's caption ("" if it has neither)."""
        data = self._stored.data
        return str(data.get("text", data.get("caption", "")))

    @property
    def rows(self) -> list[list[str]]:
        """The inline keyboard's button texts, row by row."""
        keyboard = self._stored.data.get("reply_markup", {}).get("inline_keyboard", [])
        return [[str(button["text"]) for button in row] for row in keyboard]

    @property
    def buttons(self) -> list[str]:
        return [text for row in self.rows for text in row]

    def button(self, text: str) -> JSON | None:
        """The inline button with exactly this text, if the message has one."""
        keyboard = self._stored.data.get("reply_markup", {}).get("inline_keyboard", [])
        return next((button for row in keyboard for button in row if button["text"] == text), None)

    @property
    def upload(self) -> Upload | None:
        """The bytes of the document or photo the bot uploaded with this message."""
        return self._stored.upload

    @property
    def edited(self) -> bool:
        return "edit_date" in self._stored.data

    @property
    def deleted(self) -> bool:
        return self._stored.deleted


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: in UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


_HTML_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}


class _TelegramHtml(HTMLParser):
    """Telegram's HTML parse mode: the tags it supports become entities; anything else is refused."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0, *(index + 1 for index, char in enumerate(source) if char == "\n")]
        self._parts: list[str] = []
        self._units = 0
        self._open: list[tuple[str, JSON]] = []
        self.entities: list[JSON] = []

    def parse(self) -> str:
        self.feed(self._source)
        self.close()
        if self._open:
            raise self._error(f'Can\'t find end tag corresponding to start tag "{self._open[-1][0]}"')
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self._parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        entity = self._entity(tag, dict(attrs))
        if entity is None:
            raise self._error(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        entity["offset"] = self._units
        self._open.append((tag, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            raise self._error(f'Unmatched end tag "{tag}" at byte offset {self._byte_offset()}')
        _, entity = self._open.pop()
        entity["length"] = self._units - entity["offset"]
        if entity["length"] > 0 and entity["type"] != "":
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self._parts.append(data)
        self._units += utf16_length(data)

    def _entity(self, tag: str, attrs: dict[str, str | None]) -> JSON | None:
        if tag == "a" and attrs.get("href"):
            return {"type": "text_link", "url": attrs["href"]}
        if tag == "span" and attrs.get("class") == "tg-spoiler":
            return {"type": "spoiler"}
        if tag == "blockquote" and "expandable" in attrs:
            return {"type": "expandable_blockquote"}
        if tag == "code" and self._open and self._open[-1][0] == "pre":
            language = attrs.get("class") or ""
            if language.startswith("language-"):
                self._open[-1][1]["language"] = language.removeprefix("language-")
            return {"type": ""}  # the <pre> carries it
        kind = _HTML_ENTITIES.get(tag)
        return {"type": kind} if kind else None

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        return len(self._source[: self._line_starts[line - 1] + column].encode())

    @staticmethod
    def _error(reason: str) -> ApiError:
        return bad_request(f"can't parse entities: {reason}")


def formatted(params: JSON, name: str) -> tuple[str | None, list[JSON]]:
    """The text (or caption) and its entities, as Telegram stores them after applying ``parse_mode``.

    HTML is parsed like Telegram does; other parse modes keep the text as sent.
    """
    raw = params.get(name)
    if raw is None:
        return None, []
    text = str(raw)
    explicit = params.get("entities" if name == "text" else "caption_entities")
    if explicit:
        return text, list(explicit)
    if str(params.get("parse_mode", "")).lower() == "html":
        parser = _TelegramHtml(text)
        return parser.parse(), parser.entities
    return text, []


def check_text(text: str | None) -> str:
    if text is None or not text.strip():
        raise bad_request("message text is empty")
    if utf16_length(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text


def check_caption(caption: str | None) -> None:
    if caption is not None and utf16_length(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")


def inline_markup(markup: Any) -> JSON | None:
    """The markup a sent message keeps (Telegram echoes inline keyboards only), checked like Telegram."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None
    for row in rows:
        for button in row:
            check_button(button)
    return markup if any(rows) else None


def check_button(button: JSON) -> None:
    if "callback_data" in button:
        size = len(str(button["callback_data"]).encode())
        if not 1 <= size <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    elif set(button) <= {"text"}:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    if not button.get("text"):
        raise bad_request("BUTTON_TEXT_INVALID")


def decode_field(name: str, raw: str) -> Any:
    if name in STRING_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def retry_after(times: deque[float], per_second: float | None, now: float) -> int:
    """Whole seconds to wait before one more request fits ``per_second``; 0 if it fits now."""
    if per_second is None:
        return 0
    window = max(1.0, 1.0 / per_second)
    allowed = max(1, round(per_second * window))
    while times and times[0] <= now - window:
        times.popleft()
    if len(times) < allowed:
        return 0
    return max(1, math.ceil(times[0] + window - now))


class FakeTelegram:
    """The Bot API on ``127.0.0.1:<ephemeral port>``; use as ``async with FakeTelegram() as tg:``."""

    def __init__(self, *, quiet: float = 0.03, token: str = TOKEN) -> None:
        self.token = token
        self.quiet = quiet
        self.bot_user: JSON = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Good Work Coach",
            "username": "GoodWorkTestBot",
        }
        self.calls: list[Call] = []
        self.confirmed = 0
        self.answered_200: set[int] = set()  # update ids a webhook answered with 200
        self.callback_answers: list[CallbackAnswer] = []
        self.port = 0
        self._conflict = False
        self._queue: list[_Queued] = []
        self._pushed: dict[int, JSON] = {}
        self._next_update_id = 1
        self._allowed: frozenset[str] | None = None
        self._wakeup = asyncio.Event()
        self._chats: dict[int, Chat] = {}
        self._files: dict[str, StoredFile] = {}
        self._paths: dict[str, StoredFile] = {}
        self._queries: dict[str, int] = {}
        self._next_id = 1
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self._failures: list[tuple[str, ApiError]] = []
        self._chat_limit: float | None = None
        self._global_limit: float | None = None
        self._global_sent_at: deque[float] = deque()
        self._chat_limits: dict[int, _ChatLimit] = {}
        self._stalls: list[tuple[str, float]] = []
        self._drops: list[str] = []
        self._in_flight: list[str] = []
        self._last_activity = 0.0
        self._polls = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.webhook: JSON | None = None  # what setWebhook was given (url, secret_token, ...), while it is set
        self.webhook_statuses: list[int | None] = []  # each delivery's HTTP status (None: no answer)
        self._webhook_target: str | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._delivering: asyncio.Task[None] | None = None
        # when an update was last handed to the webhook with no request from the bot since (see _is_settled)
        self._handed_over: float | None = None
        self._handlers: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._method_table().items()
        }

    # -- lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Answer waiting long polls with [] and shut the server down."""
        self._closing = True
        self._wake()
        if self._delivering is not None:
            await self._delivering
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def bot(self, **kwargs: Any) -> telegram.Bot:
        """A python-telegram-bot ``Bot`` pointed at this server (use it as ``async with tg.bot() as bot``)."""
        import telegram

        return telegram.Bot(self.token, base_url=self.api_url, base_file_url=self.file_url, **kwargs)

    # -- people, chats and files -----------------------------------------------------------------

    def person(
        self,
        user_id: int | None = None,
        first_name: str = "Anna",
        language_code: str | None = "nl",
        username: str | None = None,
    ) -> Person:
        """Someone who has opened a private chat with the bot."""
        from person import Person

        user: JSON = {"id": user_id if user_id is not None else 1_000_000 + self._new_id(), "is_bot": False}
        user["first_name"] = first_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        chat: JSON = {key: user[key] for key in ("id", "first_name", "username") if key in user}
        return Person(self, user, self.add_chat({**chat, "type": "private"}))

    def add_chat(self, data: JSON) -> JSON:
        """Make a chat known (Telegram answers "chat not found" for any other); returns its Chat object."""
        chat = self._chats.setdefault(int(data["id"]), Chat(dict(data)))
        return dict(chat.data)

    def set_blocked(self, chat_id: int, blocked: bool = True) -> None:
        self._chat(chat_id).blocked = blocked

    def add_file(self, content: bytes, file_name: str, mime_type: str | None = None, *, kind: str = "document") -> JSON:
        """Register a file as if someone had sent it; returns its Telegram fields (file_id, ...)."""
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = self._store_file(Upload(file_name, content, mime), kind)
        return stored.described()

    def messages(self, chat_id: int) -> list[Sent]:
        """The bot's messages in a chat, in order, with edits applied and deleted ones left out."""
        return [Sent(message) for message in self._chat(chat_id).bot_messages() if not message.deleted]

    def stored_messages(self, chat_id: int) -> list[StoredMessage]:
        return self._chat(chat_id).bot_messages()

    def actions(self, chat_id: int) -> list[str]:
        return list(self._chat(chat_id).actions)

    def new_message_id(self, chat_id: int) -> int:
        chat = self._chat(chat_id)
        chat.next_message_id += 1
        return chat.next_message_id - 1

    def record_user_message(self, message: JSON) -> None:
        """Keep a person's message in its chat, so the bot can reply to it or delete it."""
        chat = self._chat(int(message["chat"]["id"]))
        chat.messages[int(message["message_id"])] = StoredMessage(copy.deepcopy(message), by_bot=False)

    def new_callback_query(self, user_id: int) -> str:
        query_id = str(4_000_000_000 + self._new_id())
        self._queries[query_id] = user_id
        return query_id

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The command list the bot set for this scope and language (exactly that one, no fallback)."""
        return list(self._commands.get(_scope_key(scope, language_code), []))

    def description(self, language_code: str = "", *, short: bool = False) -> str:
        return self._descriptions.get(("short" if short else "long", language_code), "")

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def _chat(self, chat_id: int) -> Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"chat {chat_id} is unknown to the fake; make it with tg.person() or add_chat()")
        return chat

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _store_file(self, upload: Upload, kind: str, url: str | None = None) -> StoredFile:
        number = self._new_id()
        prefix = {"document": "BQAC", "photo": "AgAC", "voice": "AwAC", "sticker": "CAAC"}.get(kind, "BAAC")
        suffix = "." + upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else ""
        stored = StoredFile(f"{prefix}-fake-{number}", f"AQAD{number}", f"{kind}s/file_{number}{suffix}", upload, url)
        self._files[stored.file_id] = stored
        self._paths[stored.file_path] = stored
        return stored

    # -- updates ---------------------------------------------------------------------------------

    def push(self, update: JSON) -> JSON:
        """Queue an update with the next update_id (any update_id in ``update`` is replaced)."""
        full = {
            "update_id": self._next_update_id,
            **{key: value for key, value in update.items() if key != "update_id"},
        }
        self._next_update_id += 1
        self._pushed[full["update_id"]] = copy.deepcopy(full)
        self._queue.append(_Queued(full))
        self._wake()
        return copy.deepcopy(full)

    def redeliver(self, update_id: int) -> JSON:
        """Deliver an update already pushed once more, with the same update_id, even if it was confirmed."""
        if update_id not in self._pushed:
            raise KeyError(f"update {update_id} was never pushed (pushed: {sorted(self._pushed)})")
        again = copy.deepcopy(self._pushed[update_id])
        self._queue.append(_Queued(again, forced=True))
        self._wake()
        return copy.deepcopy(again)

    @property
    def polled(self) -> bool:
        """Whether the bot has called getUpdates at all."""
        return self._polls > 0

    @property
    def unconfirmed(self) -> list[int]:
        return [queued.update_id for queued in self._queue]

    @property
    def conflict(self) -> bool:
        """While True, getUpdates answers 409 Conflict, as when a second instance polls the token."""
        return self._conflict

    @conflict.setter
    def conflict(self, value: bool) -> None:
        self._conflict = value
        self._wake()

    def acknowledged(self, update_id: int) -> bool:
        """Whether the bot took responsibility for an update: confirmed by a later offset, or answered 200."""
        return update_id < self.confirmed or update_id in self.answered_200

    async def settled(self, timeout: float = 5.0, *, quiet: float | None = None) -> None:
        """Wait until the bot confirmed every pushed update, has no request in flight and has been
        quiet (no requests except getUpdates) for ``quiet`` seconds."""
        quiet = self.quiet if quiet is None else quiet
        deadline = time.monotonic() + timeout
        while not self._is_settled(quiet):
            if time.monotonic() >= deadline:
                raise TimeoutError(self._unsettled(timeout, quiet))
            await asyncio.sleep(0.005)

    def _is_settled(self, quiet: float) -> bool:
        """Nothing unconfirmed, nothing in flight, quiet; and an update just handed to a webhook has been acted on
        (polling keeps an update unconfirmed until the bot is done with it; a webhook's 200 comes before that), or
        ``WEBHOOK_GRACE`` passed without a request (an update the bot does not answer)."""
        now = time.monotonic()
        if self._handed_over is not None and now - self._handed_over < WEBHOOK_GRACE:
            return False
        return not self._queue and not self._in_flight and now - self._last_activity >= quiet

    def _unsettled(self, timeout: float, quiet: float) -> str:
        reasons = []
        if self._queue:
            reasons.append(
                f"updates {self.unconfirmed} were not confirmed by a later getUpdates offset "
                f"(highest offset confirmed: {self.confirmed})"
            )
        if self._polls == 0:
            reasons.append("the bot never called getUpdates")
        if self._in_flight:
            reasons.append(f"requests still in flight: {', '.join(self._in_flight)}")
        if not reasons:
            reasons.append(f"the bot kept sending requests (never quiet for {quiet} s)")
        return f"the bot did not settle within {timeout} s: " + "; ".join(reasons)

    def _wake(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:  # Telegram: keep only the last -offset updates
            dropped, self._queue = self._queue[:offset], self._queue[offset:]
        else:
            dropped = [queued for queued in self._queue if queued.update_id < offset and not self._owed(queued)]
            self._queue = [queued for queued in self._queue if queued not in dropped]
            self.confirmed = max(self.confirmed, offset)
        if dropped:
            self._last_activity = time.monotonic()

    @staticmethod
    def _owed(queued: _Queued) -> bool:
        return queued.forced and not queued.delivered

    def _batch(self, limit: int) -> list[JSON]:
        allowed = self._allowed
        self._queue = [
            queued
            for queued in self._queue
            if (queued.kind in allowed if allowed else queued.kind not in NOT_DELIVERED_BY_DEFAULT)
        ]
        batch = sorted(self._queue, key=lambda queued: queued.update_id)[:limit]
        for queued in batch:
            queued.delivered = True
        return [copy.deepcopy(queued.update) for queued in batch]

    # -- webhook ---------------------------------------------------------------------------------

    def deliver_to(self, address: str) -> None:
        """Where this Telegram's webhook requests reach the bot: what a reverse proxy in front of it forwards
        the public URL to (``http://127.0.0.1:PORT/PATH``). Until it is set, updates wait."""
        self._webhook_target = address
        self._wake()

    def _set_webhook(self, params: JSON) -> bool:
        url = str(params.get("url", ""))
        if not url:
            return self._delete_webhook(params)
        if not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        token = params.get("secret_token")
        if token is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(token)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if "allowed_updates" in params:
            self._allowed = frozenset(params["allowed_updates"]) or None
        self.webhook = dict(params)
        if params.get("drop_pending_updates"):
            self._queue.clear()
        if self._delivering is None or self._delivering.done():
            self._delivering = asyncio.ensure_future(self._deliver())
        return True

    def _webhook_info(self, params: JSON) -> JSON:
        info: JSON = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._queue)}
        if self.webhook is not None:
            info["url"] = self.webhook["url"]
            info["max_connections"] = self.webhook.get("max_connections", 40)
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _deliver(self) -> None:
        """Post queued updates to the webhook as Telegram does: up to ``max_connections`` at once, oldest first,
        one chat's in order (its next only once the one before got 200); one not answered 200 is tried again."""
        posting: set[asyncio.Task[None]] = set()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            while not self._closing and self.webhook is not None:
                started = 0
                for queued in self._deliverable(int(self.webhook.get("max_connections", 40)) - len(posting)):
                    task = asyncio.ensure_future(self._post_update(session, queued))
                    posting.add(task)
                    task.add_done_callback(posting.discard)
                    started += 1
                if not started:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wakeup.wait(), 0.05)
            await asyncio.gather(*posting, return_exceptions=True)

    def _deliverable(self, room: int) -> list[_Queued]:
        """The oldest update of each chat that has none on the way, up to ``room`` of them."""
        if self._webhook_target is None or room <= 0:
            return []
        allowed = self._allowed
        self._queue = [
            queued
            for queued in self._queue
            if (queued.kind in allowed if allowed else queued.kind not in NOT_DELIVERED_BY_DEFAULT)
        ]
        busy = {_chat_of(queued.update) for queued in self._queue if queued.posting}
        chosen: list[_Queued] = []
        for queued in sorted(self._queue, key=lambda queued: queued.update_id):
            chat = _chat_of(queued.update)
            if chat in busy or len(chosen) >= room:
                continue
            busy.add(chat)
            chosen.append(queued)
        for queued in chosen:
            queued.delivered = queued.posting = True
        return chosen

    async def _post_update(self, session: aiohttp.ClientSession, queued: _Queued) -> None:
        assert self.webhook is not None and self._webhook_target is not None
        token = self.webhook.get("secret_token")
        headers = {"X-Telegram-Bot-Api-Secret-Token": str(token)} if token else {}
        try:
            async with session.post(self._webhook_target, json=queued.update, headers=headers) as response:
                status: int | None = response.status
        except aiohttp.ClientError:
            status = None
        self.webhook_statuses.append(status)
        if status == 200:
            self.answered_200.add(queued.update_id)
            self._queue = [other for other in self._queue if other is not queued]
            self._last_activity = self._handed_over = time.monotonic()
        else:
            self._webhook_error = (int(time.time()), f"Wrong response from the webhook: {status}")
            await asyncio.sleep(0.05)
        queued.posting = False
        self._wake()

    async def _get_updates(self, params: JSON) -> list[JSON]:
        self._polls += 1
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        deadline = time.monotonic() + max(float(params.get("timeout", 0)), 0.0)
        if "allowed_updates" in params:
            self._allowed = frozenset(params["allowed_updates"]) or None
        while True:
            if self._conflict:
                raise ApiError(409, CONFLICT)
            self._confirm(params.get("offset"))
            batch = self._batch(limit)
            remaining = deadline - time.monotonic()
            if batch or self._closing or remaining <= 0:
                return batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), remaining)

    # -- failures and limits ---------------------------------------------------------------------

    def fail_next(self, method: str, status: int, description: str, retry_after: int | None = None) -> None:
        """The next call of ``method`` answers this error instead (once)."""
        self._failures.append((method.lower(), ApiError(status, description, retry_after)))

    def limit_per_chat(self, per_second: float | None) -> None:
        """Answer 429 when the bot posts or edits in one chat faster than this (None: no limit)."""
        self._chat_limit = per_second

    def limit_global(self, per_second: float | None) -> None:
        """Answer 429 when the bot posts or edits, over all chats, faster than this (None: no limit)."""
        self._global_limit = per_second

    def limit_chats(self, chat_ids: Iterable[int], per_second: float | None, retry_after: int | None = None) -> None:
        """Answer 429 when the bot posts or edits in one of these chats faster than ``per_second``
        (None lifts their limit); the 429 says ``retry_after`` seconds if given, else when the rate allows."""
        for chat_id in chat_ids:
            if per_second is None:
                self._chat_limits.pop(chat_id, None)
            else:
                self._chat_limits[chat_id] = _ChatLimit(per_second, retry_after)

    def stall_next(self, method: str, seconds: float) -> None:
        """The next call of ``method`` waits ``seconds`` before it is carried out and answered (once).

        A client that gives up meanwhile closes its connection, which cancels the call: nothing is carried out.
        """
        self._stalls.append((method.lower(), seconds))

    def drop_next(self, method: str) -> None:
        """The next call of ``method`` is carried out (a message is stored), then its connection is closed
        without an answer (once): the client cannot know whether it happened."""
        self._drops.append(method.lower())

    def _stalled(self, method: str) -> float:
        for index, (name, seconds) in enumerate(self._stalls):
            if name == method.lower():
                del self._stalls[index]
                return seconds
        return 0.0

    def _dropped(self, method: str) -> bool:
        if method.lower() in self._drops:
            self._drops.remove(method.lower())
            return True
        return False

    def _injected(self, method: str) -> ApiError | None:
        for index, (name, error) in enumerate(self._failures):
            if name == method.lower():
                del self._failures[index]
                return error
        return None

    def _throttle(self, chat: Chat) -> None:
        now = time.monotonic()
        chosen = self._chat_limits.get(chat.id)
        wait = max(
            retry_after(chat.sent_at, self._chat_limit, now),
            retry_after(self._global_sent_at, self._global_limit, now),
            chosen.wait(now) if chosen is not None else 0,
        )
        if wait:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        if self._chat_limit is not None:
            chat.sent_at.append(now)
        if self._global_limit is not None:
            self._global_sent_at.append(now)
        if chosen is not None:
            chosen.sent_at.append(now)

    # -- HTTP ------------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        name, handler = self._handlers.get(request.match_info["method"].lower(), (request.match_info["method"], None))
        params = await _read_params(request)
        self.calls.append(Call(name, params, time.monotonic()))
        if handler is None:
            return ApiError(404, "Not Found").response()
        polling = name == "getUpdates"
        if not polling:
            self._in_flight.append(name)
            self._last_activity = time.monotonic()
            if name not in ("getWebhookInfo", "setWebhook"):
                self._handed_over = None
        try:
            response = web.json_response({"ok": True, "result": await self._answer(name, handler, params)})
        except ApiError as error:
            response = error.response()
        finally:
            if not polling:
                self._in_flight.remove(name)
                self._last_activity = time.monotonic()
        if self._dropped(name) and request.transport is not None:
            request.transport.abort()  # carried out, never answered
        return response

    async def _answer(self, name: str, handler: Handler, params: JSON) -> Any:
        stall = self._stalled(name)
        if stall:
            await asyncio.sleep(stall)
        injected = self._injected(name)
        if injected is not None:
            raise injected
        if name == "getUpdates":
            return await self._get_updates(params)
        return handler(params)

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        stored = self._paths.get(request.match_info["path"])
        if stored is None:
            return ApiError(404, "Not Found").response()
        return web.Response(body=stored.upload.content, content_type=stored.upload.mime_type)

    # -- methods ---------------------------------------------------------------------------------

    def _method_table(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "getUpdates": lambda params: None,  # answered asynchronously in _answer
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda params: self.commands(params.get("scope"), params.get("language_code", "")),
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": lambda params: self._set_description(params, "long", 512),
            "setMyShortDescription": lambda params: self._set_description(params, "short", 120),
            "getMyDescription": lambda params: {"description": self.description(params.get("language_code", ""))},
            "getMyShortDescription": lambda params: {
                "short_description": self.description(params.get("language_code", ""), short=True)
            },
            "getChat": lambda params: {**self._target(params, check_blocked=False).data, "max_reaction_count": 11},
            "sendMessage": self._send_message,
            "sendDocument": lambda params: self._send_file(params, "document"),
            "sendPhoto": lambda params: self._send_file(params, "photo"),
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
        }

    def _get_me(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _delete_webhook(self, params: JSON) -> bool:
        self.webhook = None
        self._wake()
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 BotCommand")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("command description is empty or too long")
        key = _scope_key(params.get("scope"), params.get("language_code", ""))
        self._commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    def _delete_my_commands(self, params: JSON) -> bool:
        self._commands.pop(_scope_key(params.get("scope"), params.get("language_code", "")), None)
        return True

    def _set_description(self, params: JSON, kind: str, maximum: int) -> bool:
        text = str(params.get("short_description" if kind == "short" else "description", ""))
        if len(text) > maximum:
            raise bad_request("description is too long")
        self._descriptions[(kind, params.get("language_code", ""))] = text
        return True

    def _target(self, params: JSON, *, check_blocked: bool = True) -> Chat:
        """The chat a request is for, refused like Telegram refuses it."""
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise bad_request("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        if check_blocked and chat.blocked:
            kind = chat.data["type"]
            reason = "bot was blocked by the user" if kind == "private" else f"bot was kicked from the {kind} chat"
            raise ApiError(403, f"Forbidden: {reason}")
        return chat

    def _send_message(self, params: JSON) -> JSON:
        chat = self._target(params)
        text, entities = formatted(params, "text")
        content: JSON = {"text": check_text(text), "entities": entities}
        content["reply_markup"] = inline_markup(params.get("reply_markup"))
        self._throttle(chat)
        return self._post(chat, content, params)

    def _send_file(self, params: JSON, kind: str) -> JSON:
        chat = self._target(params)
        stored = self._input_file(params.get(kind), kind)
        caption, entities = formatted(params, "caption")
        check_caption(caption)
        markup = inline_markup(params.get("reply_markup"))
        self._throttle(chat)
        described = stored.described()
        if kind == "photo":
            media: Any = [{**described, "width": 800, "height": 600}]
        else:
            described.update(file_name=stored.upload.filename, mime_type=stored.upload.mime_type)
            media = described
        content = {kind: media, "caption": caption, "caption_entities": entities, "reply_markup": markup}
        upload = None if stored.url else stored.upload
        return self._post(chat, content, params, upload=upload)

    def _input_file(self, value: Any, kind: str) -> StoredFile:
        """An uploaded file, an http(s) URL Telegram would fetch, or the file_id of a known file."""
        if isinstance(value, Upload):
            if not value.content:
                raise bad_request("file must be non-empty")
            return self._store_file(value, kind)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or kind
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return self._store_file(Upload(name, b"", mime), kind, url=value)
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if value in (None, ""):
            raise bad_request(f"there is no {kind} in the request")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _post(self, chat: Chat, content: JSON, params: JSON, upload: Upload | None = None) -> JSON:
        """Store a new bot message in ``chat`` and answer it as Telegram does (empty fields left out)."""
        data: JSON = {"message_id": 0, "from": dict(self.bot_user), "chat": dict(chat.data), "date": int(time.time())}
        replied = self._replied(chat, params)
        if replied is not None:
            data["reply_to_message"] = replied
        data.update({key: value for key, value in content.items() if value})
        data["message_id"] = self.new_message_id(chat.id)
        chat.messages[data["message_id"]] = StoredMessage(data, by_bot=True, upload=upload)
        return copy.deepcopy(data)

    def _replied(self, chat: Chat, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        if reply is None and "reply_to_message_id" in params:
            reply = {"message_id": params["reply_to_message_id"]}
        if not reply:
            return None
        target = chat.messages.get(int(reply.get("message_id", 0)))
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {key: value for key, value in copy.deepcopy(target.data).items() if key != "reply_to_message"}

    def _editable(self, params: JSON) -> tuple[Chat, StoredMessage]:
        if "inline_message_id" in params:
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._target(params)
        stored = chat.messages.get(params.get("message_id", 0)) if isinstance(params.get("message_id"), int) else None
        if stored is None or stored.deleted:
            raise bad_request("message to edit not found")
        if not stored.by_bot:
            raise bad_request("message can't be edited")
        return chat, stored

    def _edit_message_text(self, params: JSON) -> JSON:
        chat, stored = self._editable(params)
        if "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        text, entities = formatted(params, "text")
        changes: JSON = {"text": check_text(text), "entities": entities}
        changes["reply_markup"] = inline_markup(params.get("reply_markup"))
        return self._edit(chat, stored, changes)

    def _edit_message_caption(self, params: JSON) -> JSON:
        chat, stored = self._editable(params)
        if "text" in stored.data:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = formatted(params, "caption")
        check_caption(caption)
        changes: JSON = {"caption": caption, "caption_entities": entities}
        changes["reply_markup"] = inline_markup(params.get("reply_markup"))
        return self._edit(chat, stored, changes)

    def _edit_message_reply_markup(self, params: JSON) -> JSON:
        chat, stored = self._editable(params)
        return self._edit(chat, stored, {"reply_markup": inline_markup(params.get("reply_markup"))})

    def _edit(self, chat: Chat, stored: StoredMessage, changes: JSON) -> JSON:
        """Apply an edit; fields given empty are removed (an edit without reply_markup drops the keyboard)."""
        edited = {key: value for key, value in stored.data.items() if key not in changes}
        edited.update({key: value for key, value in changes.items() if value})
        if _content(edited) == _content(stored.data):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._throttle(chat)
        edited["edit_date"] = int(time.time())
        stored.data = edited
        return copy.deepcopy(edited)

    def _delete_message(self, params: JSON) -> bool:
        chat = self._target(params)
        message_id = params.get("message_id")
        stored = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if stored is None or stored.deleted:
            raise bad_request("message to delete not found")
        stored.deleted = True
        return True

    def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        user_id = self._queries.pop(query_id, None)
        if user_id is None:  # unknown, or answered already
            raise bad_request(QUERY_INVALID.removeprefix("Bad Request: "))
        text = str(params.get("text", ""))
        if utf16_length(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_answers.append(CallbackAnswer(query_id, user_id, text, bool(params.get("show_alert"))))
        return True

    def _send_chat_action(self, params: JSON) -> bool:
        chat = self._target(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.actions.append(str(action))
        return True

    def _get_file(self, params: JSON) -> JSON:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        return {**stored.described(), "file_path": stored.file_path}


def _content(message: JSON) -> JSON:
    return {key: value for key, value in message.items() if key != "edit_date"}


def _scope_key(scope: JSON | None, language_code: str) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""


async def _read_params(request: web.Request) -> JSON:
    """The request's parameters, decoded: query string, a JSON body or form fields, uploaded files as ``Upload``.

    As the Bot API does, a JSON body's values are taken as they are, except strings, which may hold
    JSON themselves (a keyboard serialised by a client) as in a form.
    """
    params: JSON = {key: decode_field(key, value) for key, value in request.query.items()}
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params |= {key: decode_field(key, v) if isinstance(v, str) else v for key, v in body.items()}
        return params
    form = await request.post()
    uploads: dict[str, Upload] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            with value.file:
                uploads[key] = Upload(value.filename, value.file.read(), value.content_type)
        else:
            params[key] = decode_field(key, str(value))
    for key, upload in uploads.items():
        params.setdefault(key, upload)
    return {key: _attached(value, uploads) for key, value in params.items()}


def _attached(value: Any, uploads: dict[str, Upload]) -> Any:
    """Replace ``attach://<name>`` references by the uploaded part of that name."""
    if isinstance(value, str) and value.startswith("attach://"):
        return uploads.get(value.removeprefix("attach://"), value)
    return value
