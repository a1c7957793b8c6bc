"""Updates by webhook: registered with a secret token, refused without it, kept before Telegram hears "200".

The fake Telegram posts each update to the bot's listening address (as a reverse proxy would pass it on), with
the secret token it was given, and tries again until it gets 200.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp
import pytest
from botrun import SECRET, dialogues_folder, running_bot, settings_for
from fakeapi import FakeTelegram
from talk import WHY, at_why, chose, exported, free_port, store_of, texts, until
from telegram import Update

from bot.cli.main import main
from bot.config import ConfigError, Settings
from bot.store import Keys
from bot.telegram.app import Bot
from bot.telegram.poller import ALLOWED_UPDATES
from bot.telegram.webhook import Webhook

URL = "https://bot.example.org/goodwork/hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_settings(tg: FakeTelegram, tmp_path: Path, **extra: str) -> Settings:
    """Webhook mode on a free local port, which the fake Telegram's requests reach."""
    port = free_port()
    tg.deliver_to(f"http://127.0.0.1:{port}/goodwork/hook")
    given = {"GOODWORK_WEBHOOK_URL": URL, "GOODWORK_LISTEN": f"127.0.0.1:{port}", **extra}
    return settings_for(tg, tmp_path, dialogues_folder(tmp_path), given)


def hook(settings: Settings) -> str:
    host, port = settings.listen
    return f"http://{host}:{port}/goodwork/hook"


async def test_a_conversation_by_webhook(tg: FakeTelegram, tmp_path: Path) -> None:
    """The bot sets its webhook (its URL, a secret token of Telegram's alphabet, the updates it reads) and a person
    walks a dialogue as with polling; the bot never polls."""
    settings = webhook_settings(tg, tmp_path)
    anna = tg.person(language_code="nl")
    async with running_bot(settings, tg) as bot:
        assert tg.webhook is not None
        assert tg.webhook["url"] == URL and tg.webhook["secret_token"] == Keys(SECRET).webhook_token
        assert set(tg.webhook["allowed_updates"]) == set(ALLOWED_UPDATES)
        await at_why(anna)
        assert anna.texts()[-1] == WHY
        anna.send("Omdat het moet")
        assert (await texts(anna))[-1] == "Wat zou jij doen?"
        kept = await exported(bot, anna)
        assert len(kept["choices"]) == 1 and len(kept["reflections"]) == 1
        await tg.settled()
        assert await store_of(bot).spilled() == [], "each update left the inbox once handled"
        beats = {(beat.instance, beat.loop) for beat in await store_of(bot).beats()}
        assert beats == {(settings.instance, "webhook")}, "its heartbeat, for goodwork health"
    assert tg.calls_to("getUpdates") == []
    assert set(tg.webhook_statuses) == {200}


async def test_requests_without_the_secret_token_are_refused_and_nothing_is_kept(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    """A request without the token, or with another, gets 401, is not kept and changes nothing; one with the
    token but no update in it gets 400, one this library cannot read is skipped (200: Telegram would send it
    again and again); only a POST to the webhook's path is served."""
    settings = webhook_settings(tg, tmp_path)
    anna = tg.person(language_code="nl")
    chat = {"id": anna.chat_id, "type": "private", "first_name": "Anna"}
    message = {"message_id": 1, "date": 1_796_000_000, "chat": chat, "from": anna.user, "text": "/start sample"}
    forged = {"update_id": 999_999, "message": message}
    async with running_bot(settings, tg) as bot, aiohttp.ClientSession() as session:
        statuses = []
        for headers in ({}, {HEADER: "guess"}, {HEADER: Keys(SECRET).webhook_token + "x"}):
            async with session.post(hook(settings), json=forged, headers=headers) as response:
                statuses.append(response.status)
        good = {HEADER: Keys(SECRET).webhook_token}
        for body in (b"not json", b"[1, 2]", b'{"update_id": "7"}', b'{"message": {}}', b"[" * 100_000):
            async with session.post(hook(settings), data=body, headers=good) as response:
                statuses.append(response.status)
        unreadable = {"update_id": 1_000_000, "message": {"text": 5}}  # an update this library cannot read: skipped
        async with session.post(hook(settings), json=unreadable, headers=good) as response:
            statuses.append(response.status)
        async with session.get(hook(settings), headers=good) as response:
            statuses.append(response.status)
        async with session.post(hook(settings).replace("/hook", "/other"), json=forged, headers=good) as response:
            statuses.append(response.status)
        await asyncio.sleep(0.1)
        assert await store_of(bot).spilled() == [], "the unreadable one left the inbox too"
        assert not await store_of(bot).seen_update(999_999)
    assert statuses == [401, 401, 401, 400, 400, 400, 400, 400, 200, 405, 404]
    assert anna.messages == [] and tg.calls_to("sendMessage") == []


async def test_an_update_is_kept_sealed_before_telegram_hears_200(tg: FakeTelegram, tmp_path: Path) -> None:
    """By the time Telegram has its 200 the update is in the inbox, sealed: while its reply is still on the way,
    the database holds it, and holds none of its text."""
    settings = webhook_settings(tg, tmp_path)
    anna = tg.person(language_code="nl", first_name="Zwanette")
    async with running_bot(settings, tg) as bot:
        tg.stall_next("sendMessage", 1.0)
        anna.send("/language")
        await until(lambda: tg.webhook_statuses == [200])
        kept = await store_of(bot).spilled()
        assert [update_id for update_id, _ in kept] == [1] and "Zwanette" in kept[0][1]
        with sqlite3.connect(settings.db) as db:
            (sealed,) = db.execute("SELECT sealed FROM inbox").fetchone()
        assert b"Zwanette" not in sealed and b"/language" not in sealed
        await anna.replies()
        await tg.settled()
        assert await store_of(bot).spilled() == []


@pytest.mark.slow
async def test_an_instance_killed_after_200_loses_nothing(tg: FakeTelegram, tmp_path: Path) -> None:
    """``goodwork run --webhook`` is killed with SIGKILL after it answered 200 and before it replied: started
    again, it replies from its inbox, once, and the choice counts once."""
    settings = webhook_settings(tg, tmp_path)
    anna = tg.person(language_code="nl")
    async with running_bot(settings, tg):
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
    host, port = settings.listen
    environment = {
        **os.environ,
        "GOODWORK_TOKEN": tg.token,
        "GOODWORK_API_URL": tg.api_url,
        "GOODWORK_DB": settings.db,
        "GOODWORK_SECRET": SECRET,
        "GOODWORK_DIALOGUES": str(settings.dialogues),
        "GOODWORK_PACING_MS": "0",
    }
    command = [sys.executable, "-m", "bot", "run", "--webhook", "--url", URL, "--listen", f"{host}:{port}"]
    child = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        await until(lambda: len(tg.calls_to("setWebhook")) == 2, timeout=20)
        tg.stall_next("answerCallbackQuery", 30)  # the press is kept and answered 200, then its handling hangs
        delivered, answers = len(tg.webhook_statuses), len(tg.calls_to("answerCallbackQuery"))
        press = await anna.press("Schrijven")
        await until(lambda: len(tg.calls_to("answerCallbackQuery")) > answers, timeout=10)
        assert tg.webhook_statuses[delivered:] == [200]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert anna.texts()[-1] != WHY, "killed before it could reply"

    shown = len(anna.messages)
    async with running_bot(settings, tg) as bot:
        await until(lambda: len(anna.messages) > shown, timeout=10)  # from the inbox: Telegram sends nothing
        assert (await texts(anna))[-1].endswith("Waarom?"), "the kept press is handled at start: the next question"
        tg.redeliver(press["update_id"])  # Telegram sends it again all the same: nothing changes twice
        assert await texts(anna) == ["Waarom?"]
        kept = await exported(bot, anna)
        assert len(kept["choices"]) == 1 and kept["conversations"][0]["revision"] == 2


async def test_back_to_polling_removes_the_webhook(tg: FakeTelegram, tmp_path: Path) -> None:
    """Telegram refuses getUpdates while a webhook is set: a bot started without one removes it and polls,
    without losing the updates Telegram holds."""
    settings = webhook_settings(tg, tmp_path)
    async with running_bot(settings, tg):
        pass
    anna = tg.person(language_code="nl")
    anna.send("/language")  # sent while no bot listens
    polling = settings_for(tg, tmp_path, settings.dialogues)
    async with running_bot(polling, tg):
        await until(lambda: bool(anna.messages), timeout=5)
    assert tg.webhook is None and tg.calls_to("deleteWebhook")[-1].params.get("drop_pending_updates") is False


@pytest.mark.parametrize(
    ("arguments", "environment", "message"),
    [
        pytest.param(["--webhook"], {}, "webhook mode needs the address Telegram posts to", id="no-url"),
        pytest.param(["--url", "http://bot.example.org/x"], {}, "--url: expected the https:// address", id="http"),
        pytest.param(["--webhook", "--listen", "8080"], {"GOODWORK_WEBHOOK_URL": URL}, "--listen: expected", id="port"),
        pytest.param(
            [], {"GOODWORK_WEBHOOK_SECRET": "no spaces"}, "GOODWORK_WEBHOOK_SECRET: expected 1-256", id="token"
        ),
    ],
)
def test_webhook_settings_that_cannot_work_stop_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    environment: dict[str, str],
    message: str,
) -> None:
    monkeypatch.setenv("GOODWORK_TOKEN", "123456:" + "A" * 35)
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["run", *arguments]) == 78
    err = capsys.readouterr().err
    assert err.startswith(f"goodwork: {message}") and err.count("\n") == 1


async def test_a_url_telegram_refuses_stops_the_bot_with_one_line(tg: FakeTelegram, tmp_path: Path) -> None:
    settings = webhook_settings(tg, tmp_path)
    tg.fail_next("setWebhook", 400, "Bad Request: bad webhook: Failed to resolve host: Name or service not known")
    with pytest.raises(ConfigError, match=r"^GOODWORK_WEBHOOK_URL: Telegram refused https://bot\.example\.org/"):
        await asyncio.wait_for(Bot(settings).serve(), 30)


async def test_a_listen_address_in_use_stops_the_bot_with_one_line(tg: FakeTelegram, tmp_path: Path) -> None:
    settings = webhook_settings(tg, tmp_path)
    with socket.socket() as taken:
        taken.bind(settings.listen)
        taken.listen()
        with pytest.raises(ConfigError, match=r"^GOODWORK_LISTEN: cannot listen on 127\.0\.0\.1:\d+ \("):
            await asyncio.wait_for(Bot(settings).serve(), 30)
    assert tg.webhook is None, "Telegram is not pointed at an address nobody listens on"


class KeptInMemory:
    """An inbox for the webhook alone (no database)."""

    def __init__(self) -> None:
        self.kept: dict[int, str] = {}

    async def spill(self, updates: Sequence[tuple[int, str]]) -> None:
        self.kept.update(updates)

    async def unspill(self, update_ids: Sequence[int]) -> None:
        for update_id in update_ids:
            self.kept.pop(update_id, None)


async def test_the_heartbeat_stops_while_telegram_cannot_reach_the_bot(tg: FakeTelegram) -> None:
    """While Telegram reports failed deliveries and updates wait (the reverse proxy is down, say), the webhook loop
    does not beat, so goodwork health says it is not receiving; once updates arrive again, it beats again."""
    beats: list[float] = []
    handled: list[int] = []
    listen = ("127.0.0.1", free_port())

    async def handle(update: Update) -> None:
        handled.append(update.update_id)

    tg.deliver_to(f"http://127.0.0.1:{free_port()}/hook")  # nothing listens there: the proxy is down
    async with tg.bot() as bot:
        hook = Webhook(
            bot, handle, handle, inbox=KeptInMemory(), url=URL, listen=listen, token="t" * 32,
            beat=lambda: beats.append(time.monotonic()), check_every=0.05,
        )  # fmt: skip
        running = asyncio.ensure_future(hook.run())
        try:
            await until(lambda: bool(beats), timeout=5)  # Telegram has our URL, nothing fails: alive
            tg.person().send("hallo")
            await until(lambda: None in tg.webhook_statuses, timeout=5)
            await asyncio.sleep(0.2)
            stopped = len(beats)
            await asyncio.sleep(0.3)  # six looks at the webhook, each seeing the failures
            assert len(beats) == stopped, "no heartbeat while Telegram cannot deliver"
            tg.deliver_to(f"http://127.0.0.1:{listen[1]}/goodwork/hook")  # the proxy is back
            await until(lambda: handled == [1], timeout=5)
            await until(lambda: len(beats) > stopped, timeout=5)
        finally:
            hook.stop()
            await asyncio.wait_for(running, 10)
