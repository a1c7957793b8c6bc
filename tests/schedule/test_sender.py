"""The sender for messages the bot starts itself, against the fake Telegram over real HTTP.

Pacing runs on ``VirtualTime``: the sender's clock and the fake's rate limiter share it, and
it moves to the next wake-up only when no request is in flight and every task waits on it,
so "90 messages at 30/s" takes three seconds of virtual time and a few of real time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import socket
import time
import types
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import fakeapi
import pytest
from aiohttp import web
from fakeapi import FakeTelegram
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.schedule import sender as sender_module
from bot.schedule.sender import (
    WINDOW,
    Blocked,
    Limits,
    Outgoing,
    Rejected,
    Result,
    RetryAt,
    Sender,
    Sent,
    Unknown,
    backoff,
)
from bot.telegram.transport import AiohttpRequest

FIRST_CHAT = 5001
TEXT = "Twee dagen later: wat is je bijgebleven?"


class VirtualTime:
    """A clock and sleep for tests: time moves only when everything waits on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = self.start = start
        self.busy = 0  # HTTP requests in flight (see CountingRequest)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    @property
    def elapsed(self) -> float:
        return self.now - self.start

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def run(self, *steps: Awaitable[Result]) -> list[Result]:
        """Run these to the end, moving time to the next wake-up whenever nothing else can happen."""
        tasks = [asyncio.ensure_future(step) for step in steps]
        async with asyncio.timeout(8):  # real seconds: a stuck test fails instead of hanging
            while not all(task.done() for task in tasks):
                await self._quiet()
                if self._sleepers:
                    self._advance()
        return [task.result() for task in tasks]

    async def _quiet(self) -> None:
        """Until no request is in flight and every woken task has run up to its next wait."""
        while True:
            while self.busy:
                await asyncio.sleep(0.0005)
            for _ in range(50):
                await asyncio.sleep(0)
            if not self.busy:
                return

    def _advance(self) -> None:
        self.now = max(self.now, self._sleepers[0][0])
        while self._sleepers and self._sleepers[0][0] <= self.now:
            future = heapq.heappop(self._sleepers)[2]
            if not future.done():
                future.set_result(None)


class CountingRequest(HTTPXRequest):
    """PTB's own HTTP client, telling the virtual clock while a request is in flight."""

    def __init__(self, clock: VirtualTime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock = clock

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.clock.busy += 1
        try:
            return await super().do_request(*args, **kwargs)
        finally:
            self.clock.busy -= 1


class UnreliableTelegram(FakeTelegram):
    """The fake, which can also take one message and then drop the connection or stall instead of answering."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.after_send: str | None = None  # "drop" or "stall", once, for the next sendMessage

    async def _api(self, request: web.Request) -> web.Response:
        response = await super()._api(request)
        if request.match_info["method"].lower() != "sendmessage" or self.after_send is None:  # Telegram ignores case
            return response
        trouble, self.after_send = self.after_send, None
        if trouble == "drop" and request.transport is not None:
            request.transport.abort()
        elif trouble == "stall":
            await asyncio.sleep(5)  # the client gives up first
        return response


@pytest.fixture
async def tg() -> AsyncIterator[UnreliableTelegram]:
    async with UnreliableTelegram(quiet=0.01) as fake:
        yield fake


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualTime:
    """Virtual time, shared with the fake's rate limiter."""
    virtual = VirtualTime()
    monkeypatch.setattr(fakeapi, "time", types.SimpleNamespace(monotonic=virtual, time=time.time))
    return virtual


@pytest.fixture
async def bot(tg: UnreliableTelegram, clock: VirtualTime) -> AsyncIterator[Bot]:
    async with tg.bot(request=CountingRequest(clock)) as ptb_bot:
        yield ptb_bot


@pytest.fixture
def make_sender(bot: Bot, clock: VirtualTime) -> Callable[..., Sender]:
    def make(**limits: Any) -> Sender:
        return Sender(bot, Limits(**limits), clock=clock, sleep=clock.sleep, jitter=lambda: 0.5)

    return make


def chats(tg: FakeTelegram, count: int) -> list[int]:
    ids = list(range(FIRST_CHAT, FIRST_CHAT + count))
    for chat_id in ids:
        tg.add_chat({"id": chat_id, "type": "private", "first_name": "Anna"})
    return ids


def message(chat_id: int, text: str = TEXT, **fields: Any) -> Outgoing:
    return Outgoing(chat_id, text, key=fields.pop("key", f"row-{chat_id}"), **fields)


def sends(tg: FakeTelegram, clock: VirtualTime) -> list[tuple[int, float]]:
    """Every sendMessage the fake received: (chat id, virtual seconds since the test started)."""
    return [(call.params["chat_id"], round(call.at - clock.start, 4)) for call in tg.calls_to("sendMessage")]


# -- pacing ---------------------------------------------------------------------------------------


async def test_overall_rate_is_respected(
    tg: FakeTelegram, clock: VirtualTime, make_sender: Callable[..., Sender]
) -> None:
    """90 messages to 90 chats at 30/s go evenly spaced, 30 to each window of a second and its margin for
    jitter, and draw no 429 from a fake limited to 30/s."""
    tg.limit_global(30)
    sender = make_sender()
    results = await clock.run(*(sender.send(message(chat)) for chat in chats(tg, 90)))
    assert all(isinstance(result, Sent) for result in results)
    assert len(tg.calls_to("sendMessage")) == 90  # a 429 would have meant a second call for that chat
    assert clock.elapsed == pytest.approx(2 * WINDOW + 29 / 30, abs=0.001)


async def test_a_sender_faster_than_telegram_draws_429s_yet_delivers(
    tg: FakeTelegram, clock: VirtualTime, make_sender: Callable[..., Sender]
) -> None:
    """At 100/s against a fake limited to 30/s the sender draws 429s (the limit is live), yet delivers all."""
    tg.limit_global(30)
    sender = make_sender(overall=100)
    results = await clock.run(*(sender.send(message(chat)) for chat in chats(tg, 40)))
    assert all(isinstance(result, Sent) for result in results)
    assert len(tg.calls_to("sendMessage")) > 40


async def test_one_chat_gets_one_message_a_second(
    tg: FakeTelegram, clock: VirtualTime, make_sender: Callable[..., Sender]
) -> None:
    """Three messages to one chat go a second apart, in order; another chat's messages are not held up by it."""
    tg.limit_per_chat(1)
    anna, ben = chats(tg, 2)
    sender = make_sender()
    steps = [sender.send(message(chat, f"{chat} {n}")) for chat in (anna, ben) for n in range(3)]
    results = await clock.run(*steps)
    assert all(isinstance(result, Sent) for result in results)
    assert sends(tg, clock) == [(anna, 0), (ben, 0.0333), (anna, 1), (ben, 1.0333), (anna, 2), (ben, 2.0333)]
    assert [sent.text for sent in tg.messages(anna)] == [f"{anna} 0", f"{anna} 1", f"{anna} 2"]


async def test_default_clock_paces_in_real_time(tg: FakeTelegram) -> None:
    """With the event loop's clock and sleep, four messages to one chat at 10/s take at least 0.3 real seconds."""
    [anna] = chats(tg, 1)
    async with tg.bot() as ptb_bot:
        sender = Sender(ptb_bot, Limits(per_chat=10))
        started = time.monotonic()
        results = [await sender.send(message(anna, f"{n}")) for n in range(4)]
    assert time.monotonic() - started >= 0.3
    assert all(isinstance(result, Sent) for result in results)


# -- 429 ------------------------------------------------------------------------------------------


async def test_a_429_delays_that_chat_only(
    tg: FakeTelegram, clock: VirtualTime, make_sender: Callable[..., Sender]
) -> None:
    """A 429 for one chat holds that chat for retry_after; the others go at full pace meanwhile."""
    anna, *others = chats(tg, 5)
    tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5)
    sender = make_sender()
    results = await clock.run(*(sender.send(message(chat)) for chat in (anna, *others)))
    assert all(isinstance(result, Sent) for result in results)
    assert sends(tg, clock) == [
        (anna, 0),
        *((chat, round(n * 0.033334, 4)) for n, chat in enumerate(others, 1)),
        (anna, 5),
    ]
    assert not sender.slowed


async def test_a_long_429_is_handed_back(
    tg: FakeTelegram, clock: VirtualTime, make_sender: Callable[..., Sender]
) -> None:
    """A 429 longer than max_wait comes back as an uncounted RetryAt, and that chat's next message too, unsent."""
    anna, ben = chats(tg, 2)
    tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 120", retry_after=120)
    sender = make_sender(max_wait=60)
    assert await clock.run(sender.send(message(anna))) == [
        RetryAt(timedelta(seconds=120), "rate limited", counts=False)
    ]
    later, other = await clock.run(sender.send(message(anna, key="row-2")), sender.send(message(ben)))
    assert isinstance(later, RetryAt) and not later.counts and later.after <= timedelta(seconds=120)
    assert isinstance(other, Sent)
    assert [chat for chat, _ in sends(tg, clock)] == [anna, ben]


async def test_429s_that_keep_coming_are_handed_back(
    tg: FakeTelegram, clock: VirtualTime, make_sender: Callable[..., Sender]
) -> None:
    """A chat answered 429 three times in one send comes back as an uncounted RetryAt; one chat never looks global."""
    [anna] = chats(tg, 1)
    for _ in range(3):
        tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    sender = make_sender()
    assert await clock.run(sender.send(message(anna))) == [RetryAt(timedelta(seconds=2), "rate limited", counts=False)]
    assert sends(tg, clock) == [(anna, 0), (anna, 2), (anna, 4)]
    assert not sender.slowed


async def test_429s_from_several_chats_halve_the_overall_rate(
    tg: FakeTelegram, clock: VirtualTime, make_sender: Callable[..., Sender]
) -> None:
    """429s from 3 chats within 2 s halve the overall rate until retry_after has passed, then it is full again."""
    for _ in range(3):
        tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    ids = chats(tg, 8)
    sender = make_sender(overall=10)
    results = await clock.run(*(sender.send(message(chat)) for chat in ids))
    assert all(isinstance(result, Sent) for result in results)
    first = [(ids[n], round(n * 0.1, 4)) for n in range(3)]  # all three answered 429
    halved = [(ids[n], round(0.3 + (n - 3) * 0.2, 4)) for n in range(3, 8)]  # slowed from 0.2 s until 1.2 s
    full = [(ids[0], 1.3), (ids[1], 1.4), (ids[2], 1.5)]
    assert sends(tg, clock) == first + halved + full


# -- other answers ---------------------------------------------------------------------------------


async def test_a_blocked_person_is_blocked(tg: FakeTelegram, make_sender: Callable[..., Sender]) -> None:
    """403 (the person blocked the bot) comes back as Blocked."""
    [anna] = chats(tg, 1)
    tg.set_blocked(anna)
    assert await make_sender().send(message(anna)) == Blocked("Forbidden: bot was blocked by the user")


@pytest.mark.parametrize(
    ("status", "description"), [(500, "Internal Server Error"), (502, "Bad Gateway"), (503, "Service Unavailable")]
)
async def test_server_errors_retry_with_growing_backoff(
    tg: FakeTelegram, clock: VirtualTime, make_sender: Callable[..., Sender], status: int, description: str
) -> None:
    """A 5xx comes back as a counted RetryAt whose wait grows with the attempt."""
    [anna] = chats(tg, 1)
    sender = make_sender()
    results = []
    for attempt in range(1, 5):
        tg.fail_next("sendMessage", status, description)
        results += await clock.run(sender.send(message(anna, attempt=attempt)))
    assert results == [RetryAt(timedelta(seconds=15 * 2 ** (n - 1) * 0.75), description) for n in range(1, 5)]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param({"chat_id": 999}, "Chat not found", id="unknown chat"),
        pytest.param({"text": "x" * 4097}, "Message is too long", id="too long"),
        pytest.param({"buttons": ((("Ja", "x" * 65),),)}, "Button_data_invalid", id="callback data too long"),
    ],
)
async def test_a_bad_message_is_rejected(
    tg: FakeTelegram, make_sender: Callable[..., Sender], change: dict[str, Any], reason: str
) -> None:
    """400 (chat not found, message too long, bad button) comes back as Rejected with Telegram's reason."""
    [anna] = chats(tg, 1)
    fields = {"chat_id": anna, "text": TEXT, "key": "row-1", **change}
    assert await make_sender().send(Outgoing(**fields)) == Rejected(reason)


async def test_a_dropped_connection_after_sending_is_unknown(
    tg: UnreliableTelegram, make_sender: Callable[..., Sender]
) -> None:
    """Telegram took the message but the connection dropped before the answer: Unknown, with a backoff."""
    [anna] = chats(tg, 1)
    tg.after_send = "drop"
    result = await make_sender().send(message(anna, attempt=2))
    assert result == Unknown(timedelta(seconds=22.5), "RemoteProtocolError (NetworkError)")
    assert [sent.text for sent in tg.messages(anna)] == [TEXT]  # it did arrive


async def test_a_read_timeout_is_unknown(tg: UnreliableTelegram, clock: VirtualTime) -> None:
    """Telegram took the message but answered after the read timeout: Unknown."""
    [anna] = chats(tg, 1)
    tg.after_send = "stall"
    async with tg.bot(request=CountingRequest(clock, read_timeout=0.2)) as ptb_bot:
        sender = Sender(ptb_bot, clock=clock, sleep=clock.sleep, jitter=lambda: 0.0)
        result = await sender.send(message(anna))
    assert result == Unknown(timedelta(seconds=7.5), "ReadTimeout (TimedOut)")
    assert len(tg.messages(anna)) == 1


async def test_the_bots_own_transport_tells_a_refused_connection_from_a_dropped_answer(
    tg: UnreliableTelegram, clock: VirtualTime
) -> None:
    """Over the bot's aiohttp transport too: nothing listening is a RetryAt, an answer lost after sending Unknown."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(2)
    nowhere = Bot(fakeapi.TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)
    try:
        refused = await Sender(nowhere, clock=clock, sleep=clock.sleep, jitter=lambda: 1.0).send(message(FIRST_CHAT))
    finally:
        await request.shutdown()
    assert refused == RetryAt(timedelta(seconds=15), "ClientConnectorError (NetworkError)")

    [anna] = chats(tg, 1)
    tg.after_send = "drop"
    async with tg.bot(request=AiohttpRequest(2)) as ptb_bot:
        dropped = await Sender(ptb_bot, clock=clock, sleep=clock.sleep, jitter=lambda: 1.0).send(message(anna))
    assert isinstance(dropped, Unknown) and dropped.after == timedelta(seconds=15)
    assert dropped.reason.endswith("(NetworkError)")
    assert [sent.text for sent in tg.messages(anna)] == [TEXT]  # it did arrive


async def test_a_refused_connection_is_retried(clock: VirtualTime) -> None:
    """Nothing listening (the request never left): a counted RetryAt, not Unknown."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ptb_bot = Bot(fakeapi.TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=CountingRequest(clock))
    sender = Sender(ptb_bot, clock=clock, sleep=clock.sleep, jitter=lambda: 1.0)
    try:
        result = await sender.send(message(FIRST_CHAT))
    finally:
        await ptb_bot.shutdown()
    assert result == RetryAt(timedelta(seconds=15), "ConnectError (NetworkError)")


async def test_buttons_and_message_id(tg: FakeTelegram, make_sender: Callable[..., Sender]) -> None:
    """Sent carries Telegram's message id; button rows arrive as inline keyboard rows."""
    [anna] = chats(tg, 1)
    buttons = ((("Ja", "fu:yes"), ("Nee", "fu:no")), (("Later", "fu:later"),))
    result = await make_sender().send(message(anna, buttons=buttons))
    [sent] = tg.messages(anna)
    assert result == Sent(sent.message_id)
    assert sent.rows == [["Ja", "Nee"], ["Later"]]


# -- privacy and bookkeeping -----------------------------------------------------------------------


async def test_logs_name_the_key_never_the_chat_or_text(
    tg: FakeTelegram, clock: VirtualTime, make_sender: Callable[..., Sender], caplog: pytest.LogCaptureFixture
) -> None:
    """Every outcome is logged with the message key; no chat id and no message text reach the log."""
    anna, ben, cees = chats(tg, 3)
    tg.set_blocked(ben)
    tg.fail_next("sendMessage", 500, "Internal Server Error")
    secret = "Mijn geheime reflectie. " * 200
    steps = [message(anna, key="row-a"), message(ben, key="row-b"), message(cees, secret, key="row-c")]
    caplog.set_level(logging.INFO, logger="bot.schedule.sender")
    sender = make_sender()
    await clock.run(*(sender.send(step) for step in steps))  # 500 for anna, 403 for ben, 400 for cees
    await clock.run(sender.send(message(anna, key="row-d")))
    assert [record.getMessage() for record in caplog.records] == [
        "message row-a: retryat (Internal Server Error)",
        "message row-b: blocked",
        "message row-c: rejected (Message is too long)",
        "message row-d: sent",
    ]
    for secret_part in (str(anna), str(ben), str(cees), "geheime", TEXT):
        assert secret_part not in caplog.text


def test_outgoing_repr_hides_chat_and_text() -> None:
    """An Outgoing printed by accident shows its key and attempt, not the chat id, text or buttons."""
    assert repr(message(FIRST_CHAT, key="row-7", attempt=2)) == "Outgoing(key='row-7', attempt=2)"


async def test_idle_chats_are_forgotten(
    tg: FakeTelegram, clock: VirtualTime, make_sender: Callable[..., Sender], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past FORGET_AT chats, those whose spacing has passed and that nobody is sending to are dropped."""
    monkeypatch.setattr(sender_module, "FORGET_AT", 3)
    sender = make_sender(per_chat=10)  # a chat may be sent to again after 0.1 s
    for chat in chats(tg, 5):
        await clock.run(sender.send(message(chat)), clock.sleep(0.2))
    assert len(sender._chats) <= 3


# -- backoff ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "jitter", "seconds"),
    [
        (1, 0.0, 7.5),
        (1, 1.0, 15),
        (2, 0.0, 15),
        (3, 0.5, 45),
        (7, 1.0, 960),
        (8, 0.0, 960),
        (8, 1.0, 1800),
        (100, 0.0, 1800),
    ],
)
def test_backoff_doubles_with_equal_jitter_up_to_the_cap(attempt: int, jitter: float, seconds: float) -> None:
    """backoff(n) lies between half and all of 15 s * 2**(n-1), placed by the jitter, and never above 30 min."""
    assert backoff(attempt, jitter=jitter) == timedelta(seconds=seconds)


def test_backoff_never_shrinks() -> None:
    """Whatever the jitter, an attempt never waits less than the previous attempt could have."""
    for attempt in (*range(1, 12), 10**6):
        assert backoff(attempt + 1, jitter=0.0) >= backoff(attempt, jitter=1.0)
    for _ in range(100):
        assert timedelta(seconds=7.5) <= backoff(1) <= timedelta(seconds=15)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(lambda: backoff(0), "attempt: expected 1 or more, got 0", id="attempt"),
        pytest.param(lambda: backoff(1, jitter=1.5), "jitter: expected a number from 0 to 1, got 1.5", id="jitter"),
        pytest.param(lambda: Limits(overall=0), "Limits.overall: expected a number above 0, got 0", id="overall"),
        pytest.param(lambda: Limits(per_chat=-1), "Limits.per_chat: expected a number above 0, got -1", id="per chat"),
        pytest.param(lambda: Limits(flood_chats=0), "Limits.flood_chats: expected 1 or more, got 0", id="flood"),
    ],
)
def test_bad_settings_are_refused(call: Callable[[], object], error: str) -> None:
    """Bad backoff arguments and limits raise ValueError quoting the value and what was expected."""
    with pytest.raises(ValueError, match="^" + error.replace("(", r"\(") + "$"):
        call()
