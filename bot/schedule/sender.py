"""One sender for the messages the bot starts itself: follow-ups, reminders, digests.

It is separate from the reply path: give it its own ``telegram.Bot`` (its own connection
pool), so a person who is chatting never waits on its limits. It knows nothing of storage:
the outbox calls ``Sender.send`` for a row and acts on the ``Result``.

Pacing
    - Overall: a token bucket holding one token, refilled ``Limits.overall`` times a second
      (rounded up to whole microseconds), so sends start evenly spaced and no second, however
      it is cut, holds more than ``overall`` of them.
    - Per chat: at most ``Limits.per_chat`` sends a second to one chat, one at a time, in order.
    - A chat waiting for its turn holds no overall token; other chats keep flowing.

A 429 (``RetryAfter``)
    - Blocks that chat alone until ``retry_after`` has passed, and lowers nothing else.
    - Looks global when 429s come from ``Limits.flood_chats`` different chats within
      ``Limits.flood_window`` seconds: then the overall rate is halved until ``retry_after``
      (counted from the latest of them) has passed.
    - Is waited out and the message sent again, at most ``RATE_LIMITED_TRIES`` times in one
      ``send``; a chat wait longer than ``Limits.max_wait`` is handed back at once as
      ``RetryAt(counts=False)`` instead of holding the caller.

Outcomes
    ======================  ===========================================================
    ``Sent(message_id)``    Telegram took it.
    ``Blocked``             403: mark the person inactive, cancel their pending rows.
    ``RetryAt(after)``      Not sent (connection refused, pool full, 5xx, long 429):
                            send again ``after`` from now; park the row once
                            ``counts`` attempts reach ``MAX_ATTEMPTS``.
    ``Unknown(after)``      The request may have reached Telegram (connection dropped
                            after sending, read timeout): sending again may show it twice;
                            count the attempt.
    ``Rejected(reason)``    400: the message itself is bad; park it.
    ======================  ===========================================================

Logs carry the message's ``key`` and the outcome, never its text or chat id. A 400's
details may quote the text, so only its headline (up to the first colon) is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.telegram import api
from bot.telegram.render import retry_seconds
from bot.telegram.transport import never_sent

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Buttons = tuple[tuple[tuple[str, str], ...], ...]

WINDOW = 1.04  # seconds: the window of the overall limit, with a margin for jitter on the way to Telegram (see README)
CATCH_UP = 0.5  # after a late wake-up, the next send may come half a step later, not sooner
MAX_ATTEMPTS = 8  # a row whose counted attempts reach this is parked as failed (by the outbox)
BACKOFF_BASE = timedelta(seconds=15)
BACKOFF_CAP = timedelta(minutes=30)
RATE_LIMITED_TRIES = 3  # posts within one send() while 429s keep coming
FORGET_AT = 1024  # chats remembered before idle ones are dropped


@dataclass(frozen=True, slots=True)
class Limits:
    """How fast the sender may go; Telegram's documented limits are the defaults."""

    overall: float = 30.0  # messages a second, over all chats
    per_chat: float = 1.0  # messages a second, to one chat
    flood_chats: int = 3  # 429s from this many different chats ...
    flood_window: float = 2.0  # ... within this many seconds halve the overall rate
    max_wait: float = 60.0  # a chat wait longer than this is handed back as RetryAt

    def __post_init__(self) -> None:
        for name in ("overall", "per_chat", "flood_window"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Limits.{name}: expected a number above 0, got {getattr(self, name)!r}")
        if self.flood_chats < 1:
            raise ValueError(f"Limits.flood_chats: expected 1 or more, got {self.flood_chats!r}")
        if self.max_wait < 0:
            raise ValueError(f"Limits.max_wait: expected 0 or more seconds, got {self.max_wait!r}")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message the bot starts. ``key`` names it in logs (an outbox row id, never the chat id);
    ``attempt`` is which try this is (1 = the first), and sets the backoff if it fails."""

    chat_id: int = field(repr=False)
    text: str = field(repr=False)
    key: str
    buttons: Buttons = field(default=(), repr=False)  # rows of (label, callback data)
    attempt: int = 1
    photo: bytes | None = field(default=None, repr=False)  # sent as a photo with ``text`` as its caption


@dataclass(frozen=True, slots=True)
class Sent:
    """Telegram took the message."""

    message_id: int


@dataclass(frozen=True, slots=True)
class Blocked:
    """403: the person blocked the bot; mark them inactive and cancel their pending rows."""

    reason: str


@dataclass(frozen=True, slots=True)
class RetryAt:
    """Not sent: send again ``after`` from now. ``counts`` is False for a long 429 (nothing failed)."""

    after: timedelta
    reason: str
    counts: bool = True


@dataclass(frozen=True, slots=True)
class Unknown:
    """The request may have reached Telegram: sending again after ``after`` may show it twice; count it."""

    after: timedelta
    reason: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """400: the message itself is bad (chat not found, too long, bad button); park it."""

    reason: str


Result = Sent | Blocked | RetryAt | Unknown | Rejected


def backoff(
    attempt: int, *, jitter: float | None = None, base: timedelta = BACKOFF_BASE, cap: timedelta = BACKOFF_CAP
) -> timedelta:
    """The wait after failed attempt ``attempt`` (1 = the first): ``base * 2**(attempt-1)`` with equal
    jitter (half fixed, half random), then capped; so a retry never comes sooner than the previous
    one could have, and only waits at the cap lose their jitter (from attempt 9 with the defaults).

    ``jitter`` in [0, 1] makes it pure; without it a random one is drawn.
    """
    if attempt < 1:
        raise ValueError(f"attempt: expected 1 or more, got {attempt!r}")
    share = random.random() if jitter is None else jitter
    if not 0 <= share <= 1:
        raise ValueError(f"jitter: expected a number from 0 to 1, got {share!r}")
    return min(cap, base * (1 << min(attempt - 1, 32)) * (1 + share) / 2)


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


def _interval(per_second: float) -> float:
    """Seconds between two sends, rounded up to whole microseconds: never faster, even by rounding."""
    return math.ceil(1_000_000 / per_second) / 1_000_000


async def _sleep_until(when: float, clock: Clock, sleep: Sleep) -> None:
    while (wait := when - clock()) > 0:
        await sleep(wait)


class _Bucket:
    """The overall pace: sends on a grid ``interval`` apart (twice that while slowed), never more than
    ``per_second`` in any second.

    The grid is kept even when the event loop wakes a little late (its timers round up to whole
    milliseconds): counting the next slot from the late wake-up would lose that time on every send,
    a fifth of the rate at 300 a second. The one-second window keeps the catching up within the limit.
    """

    def __init__(self, per_second: float, clock: Clock, sleep: Sleep) -> None:
        self.interval, self.clock, self.sleep = _interval(per_second), clock, sleep
        self.next = -math.inf
        self.slowed_until = -math.inf
        self.recent: deque[float] = deque(maxlen=max(1, math.floor(per_second)))
        self._lock = asyncio.Lock()  # waiters queue in order; only the first one sleeps

    async def take(self) -> float:
        """Wait for the token; returns the time it was taken (when the message goes)."""
        async with self._lock:
            await _sleep_until(self.next, self.clock, self.sleep)
            if len(self.recent) == self.recent.maxlen:
                await _sleep_until(self.recent[0] + WINDOW, self.clock, self.sleep)
            now = self.clock()
            step = self.interval * (2 if now < self.slowed_until else 1)
            late = now - self.next
            # back on the grid, but never closer than CATCH_UP of a step to this send
            self.next = self.next + step if late < step else now + step
            self.next = max(self.next, now + CATCH_UP * step)
            self.recent.append(now)
            return now

    def slow(self, until: float) -> None:
        self.slowed_until = max(self.slowed_until, until)


@dataclass
class _Chat:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ready_at: float = -math.inf  # per-chat spacing and 429s: no send before this
    users: int = 0


class Sender:
    """Sends ``Outgoing`` messages through ``bot`` within ``limits``; safe to call concurrently.

    ``clock`` (seconds, monotonic) and ``sleep`` default to the event loop's; tests inject
    their own to move time instead of waiting. ``jitter`` draws the backoff's random share.
    """

    def __init__(
        self,
        bot: Bot,
        limits: Limits | None = None,
        *,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.bot, self.limits = bot, limits or Limits()
        self._clock, self._sleep, self._jitter = clock or _loop_time, sleep, jitter
        self._bucket = _Bucket(self.limits.overall, self._clock, sleep)
        self._chat_interval = _interval(self.limits.per_chat)
        self._chats: dict[int, _Chat] = {}
        self._kept = 0  # chats left by the last sweep of idle ones
        self._recent_429s: deque[tuple[float, int]] = deque()

    @property
    def slowed(self) -> bool:
        """Whether the overall rate is halved now, after 429s that looked global."""
        return self._clock() < self._bucket.slowed_until

    async def send(self, message: Outgoing) -> Result:
        """Send one message when its chat and the overall pace allow; the result says what to do next."""
        with self._using(message.chat_id) as chat:
            async with chat.lock:
                result = await self._send(message, chat)
        _log(message.key, result)
        return result

    async def _send(self, message: Outgoing, chat: _Chat) -> Result:
        for _ in range(RATE_LIMITED_TRIES):
            if (wait := chat.ready_at - self._clock()) > self.limits.max_wait:
                return RetryAt(timedelta(seconds=wait), "rate limited", counts=False)
            await _sleep_until(chat.ready_at, self._clock, self._sleep)
            chat.ready_at = await self._bucket.take() + self._chat_interval
            try:
                return await self._post(message)
            except RetryAfter as exc:
                self._throttled(message.chat_id, chat, retry_seconds(exc))
        return RetryAt(timedelta(seconds=max(0.0, chat.ready_at - self._clock())), "rate limited", counts=False)

    async def _post(self, message: Outgoing) -> Result:
        markup = _markup(message.buttons)
        try:
            if message.photo is not None:
                message_id = await api.send_photo(self.bot, message.chat_id, message.photo, message.text, markup)
            else:
                message_id = await api.send_message(self.bot, message.chat_id, message.text, markup)
        except Forbidden as exc:
            return Blocked(exc.message)
        except BadRequest as exc:
            return Rejected(exc.message)
        except ChatMigrated:  # its message holds the new chat id
            return Rejected("the group became a supergroup")
        except NetworkError as exc:  # TimedOut included
            return self._failed(message.attempt, exc)
        return Sent(message_id)

    def _failed(self, attempt: int, exc: NetworkError) -> RetryAt | Unknown:
        """Telegram answered an error status (5xx), or the request never left: retry; otherwise unknown."""
        cause, after = exc.__cause__, backoff(attempt, jitter=self._jitter())
        if cause is None or isinstance(cause, TelegramError):
            return RetryAt(after, exc.message)
        reason = f"{type(cause).__name__} ({type(exc).__name__})"  # never str(): it may hold the URL
        return RetryAt(after, reason) if never_sent(exc) else Unknown(after, reason)

    def _throttled(self, chat_id: int, chat: _Chat, seconds: float) -> None:
        """A 429: block this chat for ``seconds``; halve the overall rate if 429s look global."""
        now = self._clock()
        chat.ready_at = max(chat.ready_at, now + seconds)
        recent = self._recent_429s
        recent.append((now, chat_id))
        while recent[0][0] < now - self.limits.flood_window:
            recent.popleft()
        chats = len({throttled for _, throttled in recent})
        if chats >= self.limits.flood_chats:
            self._bucket.slow(until=now + seconds)
            window = self.limits.flood_window
            logger.warning("429s from %d chats within %s s: overall rate halved for %s s", chats, window, seconds)

    @contextlib.contextmanager
    def _using(self, chat_id: int) -> Iterator[_Chat]:
        chat = self._chats.setdefault(chat_id, _Chat())
        chat.users += 1
        try:
            yield chat
        finally:
            chat.users -= 1
            self._forget_idle()

    def _forget_idle(self) -> None:
        """Drop chats nobody is sending to and that may be sent to now (keeps memory bounded).

        Only once the chats remembered have doubled since the last sweep: at 1,000 messages a second about
        1,000 chats are still within their spacing, and sweeping them after every message was 4% of the
        samples in a py-spy profile of bench_outbox.py at 1,000/s; so memory stays within twice what is
        in use, and a sweep's cost is spread over the messages that filled it.
        """
        if len(self._chats) < max(FORGET_AT, 2 * self._kept):
            return
        now = self._clock()
        self._chats = {key: chat for key, chat in self._chats.items() if chat.users or chat.ready_at > now}
        self._kept = len(self._chats)


def _markup(buttons: Buttons) -> api.Markup | None:
    return api.keyboard(buttons) if buttons else None


def _log(key: str, result: Result) -> None:
    if isinstance(result, Sent | Blocked):
        logger.info("message %s: %s", key, type(result).__name__.lower())
        return
    headline = result.reason.split(":", 1)[0]
    logger.warning("message %s: %s (%s)", key, type(result).__name__.lower(), headline)
