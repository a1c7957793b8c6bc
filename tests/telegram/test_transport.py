"""The bot's aiohttp transport gives python-telegram-bot the same answers and errors as its own httpx one.

Each case is played against the fake Bot API over real HTTP twice, once through
``HTTPXRequest`` (the library's) and once through ``AiohttpRequest`` (ours), and
the bot must see the same thing: the same result, or the same error type with
the same details (the wait of a ``RetryAfter``, Telegram's description).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from fakeapi import FakeTelegram
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from bot.telegram.transport import AiohttpRequest

ANNA = 7
Transport = Callable[[], BaseRequest]
TRANSPORTS: dict[str, Transport] = {
    "httpx": lambda: HTTPXRequest(connection_pool_size=4, read_timeout=1.0),
    "aiohttp": lambda: AiohttpRequest(4, read=1.0),
}


async def outcome(tg: FakeTelegram, transport: Transport, call: Callable[[Bot], Awaitable[Any]]) -> Any:
    """What ``call`` gives through ``transport``: its result, or (error type, details) if it raised."""
    async with tg.bot(request=transport(), get_updates_request=transport()) as bot:
        try:
            return await call(bot)
        except TelegramError as exc:
            wait = exc.retry_after if isinstance(exc, RetryAfter) else None
            return type(exc), exc.message, wait


async def both(tg: FakeTelegram, prepare: Callable[[], None], call: Callable[[Bot], Awaitable[Any]]) -> list[Any]:
    results = []
    for transport in TRANSPORTS.values():
        prepare()
        results.append(await outcome(tg, transport, call))
    return results


async def send(bot: Bot) -> int:
    return (await bot.send_message(ANNA, "Goedemorgen")).message_id


@pytest.mark.parametrize(
    ("status", "description", "retry_after", "error"),
    [
        (429, "Too Many Requests: retry after 7", 7, RetryAfter),
        (403, "Forbidden: bot was blocked by the user", None, Forbidden),
        (400, "Bad Request: chat not found", None, BadRequest),
        (500, "Internal Server Error", None, NetworkError),
        (502, "Bad Gateway", None, NetworkError),
    ],
)
async def test_telegram_errors_come_out_as_with_the_library_transport(
    tg: FakeTelegram, status: int, description: str, retry_after: int | None, error: type[TelegramError]
) -> None:
    tg.add_chat({"id": ANNA, "type": "private", "first_name": "Anna"})
    library, ours = await both(tg, lambda: tg.fail_next("sendMessage", status, description, retry_after), send)
    assert ours == library
    assert ours[0] is error
    if retry_after is not None:
        assert ours[2] == dtm.timedelta(seconds=retry_after)


async def test_a_sent_message_and_an_uploaded_file_arrive_as_with_the_library_transport(tg: FakeTelegram) -> None:
    tg.add_chat({"id": ANNA, "type": "private", "first_name": "Anna"})

    async def send_both(bot: Bot) -> tuple[str, str]:
        await bot.send_message(ANNA, "Dag Anna 👋 — één <b>vraag</b>", parse_mode=None)
        document = await bot.send_document(ANNA, b"course,people\nA,12\n", filename="cijfers.csv", caption="cijfers")
        assert document.document is not None
        return document.document.file_name or "", document.caption or ""

    library, ours = await both(tg, lambda: None, send_both)
    assert ours == library == ("cijfers.csv", "cijfers")
    texts = [sent.text for sent in tg.messages(ANNA)]
    assert texts.count("Dag Anna 👋 — één <b>vraag</b>") == 2
    uploads = [sent.upload for sent in tg.messages(ANNA) if sent.upload is not None]
    assert [upload.content for upload in uploads] == [b"course,people\nA,12\n"] * 2


async def test_an_answer_that_never_comes_is_timed_out(tg: FakeTelegram) -> None:
    tg.add_chat({"id": ANNA, "type": "private", "first_name": "Anna"})
    library, ours = await both(tg, lambda: tg.stall_next("sendMessage", 3.0), send)
    assert library[0] is TimedOut
    assert ours[0] is TimedOut


async def test_a_connection_closed_without_an_answer_is_a_network_error(tg: FakeTelegram) -> None:
    tg.add_chat({"id": ANNA, "type": "private", "first_name": "Anna"})
    library, ours = await both(tg, lambda: tg.drop_next("sendMessage"), send)
    assert library[0] is NetworkError
    assert ours[0] is NetworkError


async def test_a_server_that_is_not_there_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(2, connect=1.0)
    bot = Bot("1:x", base_url=f"http://127.0.0.1:{port}/bot", request=request)
    try:
        with pytest.raises(NetworkError) as raised:
            await bot.initialize()
    finally:
        await request.shutdown()  # the bot never started, so its shutdown() would leave the session open
    assert not isinstance(raised.value, TimedOut)


async def test_a_long_poll_waits_longer_than_the_default_read_timeout(tg: FakeTelegram) -> None:
    """getUpdates passes its own read timeout; the transport's 1 s default must not cut it short."""
    request = AiohttpRequest(2, read=1.0)
    async with tg.bot(request=AiohttpRequest(2), get_updates_request=request) as bot:
        polling = asyncio.ensure_future(bot.get_updates(timeout=3))
        await asyncio.sleep(1.5)
        assert not polling.done()
        tg.person(ANNA).send("hallo")
        updates = await asyncio.wait_for(polling, 5)
    assert [update.message.text for update in updates if update.message] == ["hallo"]


async def test_many_calls_at_once_share_the_limited_connections(tg: FakeTelegram) -> None:
    tg.add_chat({"id": ANNA, "type": "private", "first_name": "Anna"})
    async with tg.bot(request=AiohttpRequest(2, pool=5.0)) as bot:
        sent = await asyncio.gather(*(bot.send_message(ANNA, f"bericht {n}") for n in range(40)))
    assert len({message.message_id for message in sent}) == 40
    assert sorted(message.text for message in tg.messages(ANNA)) == sorted(f"bericht {n}" for n in range(40))


async def test_a_shut_down_transport_refuses_calls_and_can_start_again(tg: FakeTelegram) -> None:
    request = AiohttpRequest(2)
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is harmless
    with pytest.raises(NetworkError, match="not initialized"):  # as python-telegram-bot wraps it for httpx
        await request.post(f"{tg.api_url}{tg.token}/getMe")
    await request.initialize()
    try:
        assert (await request.post(f"{tg.api_url}{tg.token}/getMe"))["id"] == tg.bot_user["id"]
    finally:
        await request.shutdown()


def test_a_transport_without_connections_is_refused() -> None:
    with pytest.raises(ValueError, match="connections"):
        AiohttpRequest(0)


async def test_a_proxy_in_the_environment_carries_the_calls_unless_the_host_is_exempt(
    tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY and NO_PROXY as the library's httpx transport honours them, read once when the transport starts."""
    through: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        through.append(str(request.url))
        return web.json_response({"ok": True, "result": {"via": "proxy"}})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    request = AiohttpRequest(2, connect=2.0)
    try:
        await request.initialize()
        elsewhere = "http://api.telegram.invalid/bot1:x/getMe"
        assert await request.post(elsewhere) == {"via": "proxy"}
        assert await request.post(elsewhere) == {"via": "proxy"}  # the choice is kept, and still right
        assert (await request.post(f"{tg.api_url}{tg.token}/getMe"))["id"] == tg.bot_user["id"]  # exempt: direct
        assert through == [elsewhere, elsewhere]
    finally:
        await request.shutdown()
        await runner.cleanup()
