"""The running bot seen from outside: its Prometheus endpoint (``GOODWORK_METRICS``) and ``goodwork health``.

The real bot runs against the fake Telegram; the metrics are scraped over HTTP and read with Prometheus's
own text parser. The counters belong to the process, so each test compares a scrape after with one before.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from botrun import SECRET, dialogues_folder, running_bot, settings_for
from fakeapi import TOKEN, FakeTelegram
from prometheus_client.parser import text_string_to_metric_families
from talk import MONDAY, Clock, chose, free_port, store_of, trial_course, until
from telegram import Update

from bot.cli.health import check
from bot.cli.main import main
from bot.config import ConfigError
from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.schedule.worker import outbox_worker
from bot.telegram.app import Bot
from bot.telegram.poller import Poller
from bot.telegram.transport import AiohttpRequest

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
COURSE = trial_course(("2d", "sample"))
HOURS = WorkingHours()  # Monday to Friday, 09:00-17:00 in Amsterdam
TWO_DAYS_ON = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
SENT = {"kind": "followup", "outcome": "sent"}


async def scrape(port: int) -> tuple[str, Samples]:
    """The endpoint's text, and each sample by name and labels."""
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        body = await response.text()
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }
    return body, samples


async def scrape_when(port: int, done: Callable[[Samples], bool]) -> tuple[str, Samples]:
    """A scrape once ``done`` holds of it (bounded): the fake shows a message before the bot has read
    Telegram's answer to it, and counted it."""
    for _ in range(100):
        body, samples = await scrape(port)
        if done(samples):
            break
        await asyncio.sleep(0.02)
    return body, samples


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def quick(seconds: float) -> Awaitable[None]:
    """The outbox's pause between ticks, shortened so a test does not wait 30 s."""
    return asyncio.sleep(min(seconds, 0.05))


async def test_metrics_count_what_the_bot_did_and_name_nobody(tg: FakeTelegram, tmp_path: Path) -> None:
    """A scrape shows the updates handled by kind, the replies sent and the Bot API calls, and holds no id, name,
    text, token or secret of anyone."""
    port = free_port()
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path), {"GOODWORK_METRICS": f"127.0.0.1:{port}"})
    anna = tg.person(language_code="nl", first_name="Annabel")
    async with running_bot(settings, tg):
        _, before = await scrape(port)
        await chose(anna, "nl")  # a button
        anna.send("/start sample")  # a message
        await anna.replies()
        await anna.press("Schrijven")  # a button
        await anna.replies()
        anna.send("Mijn geheime overweging")  # a message
        await anna.replies()
        body, after = await scrape_when(
            port, lambda now: grew(before, now, "goodwork_messages_sent_total", kind="reply") >= len(anna.messages)
        )

    assert grew(before, after, "goodwork_updates_total", kind="message") == 3, "/language, /start, the reflection"
    assert grew(before, after, "goodwork_updates_total", kind="button") == 2, "the language, Schrijven"
    assert grew(before, after, "goodwork_handler_errors_total") == 0
    assert grew(before, after, "goodwork_update_seconds_count") == 5, "each update's handling timed"
    assert grew(before, after, "goodwork_update_seconds_sum") > 0
    sent = sum(
        grew(before, after, "goodwork_bot_api_requests_total", method=method, result="ok")
        for method in ("sendmessage", "sendphoto")
    )
    assert sent == len(anna.messages) >= 4, "every message anna got: sendMessage, or sendPhoto for the case's image"
    assert grew(before, after, "goodwork_messages_sent_total", kind="reply") == sent
    assert grew(before, after, "goodwork_bot_api_requests_total", method="answercallbackquery", result="ok") == 2
    assert after[("goodwork_heartbeat_timestamp_seconds", (("loop", "polling"),))] > 0
    assert ("goodwork_outbox_due", ()) in after and ("process_cpu_seconds_total", ()) in after
    for private in (str(anna.user_id), str(anna.chat_id), "Annabel", "geheime", TOKEN, SECRET):
        assert private not in body


async def test_sent_follow_ups_are_counted_by_kind_and_outcome(tg: FakeTelegram, tmp_path: Path) -> None:
    """Two days after the course the outbox sends the follow-up: counted as a follow-up sent, with the outbox's
    heartbeat and an empty backlog."""
    port = free_port()
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path), {"GOODWORK_METRICS": f"127.0.0.1:{port}"})
    clock = Clock(MONDAY)
    book = CourseBook({COURSE.id: COURSE}, HOURS)
    async with running_bot(settings, tg, clock, courses=book) as bot:
        tranche = await store_of(bot).open_tranche(COURSE.id, "Utrecht", date(2026, 11, 23), "trainer")
        ben = tg.person(language_code="nl")
        await chose(ben, "nl")
        ben.send(f"/start c_{tranche.code}")
        await ben.replies()
        _, before = await scrape(port)  # the counters are the process's: they go on in the next run

    clock.now = TWO_DAYS_ON
    worker = outbox_worker(settings, book, HOURS, sleep=quick)
    async with running_bot(settings, tg, clock, courses=book, workers=[worker]) as bot:
        await until(lambda: bot.receiver is not None)  # the fake was polled already, by the first run
        await until(lambda: len(ben.messages) == 3, timeout=10)  # the language, the enrolment, the follow-up
        _, after = await scrape_when(port, lambda now: grew(before, now, "goodwork_outbox_outcomes_total", **SENT) > 0)

    assert grew(before, after, "goodwork_outbox_outcomes_total", **SENT) == 1
    assert grew(before, after, "goodwork_messages_sent_total", kind="followup") == 1
    assert after[("goodwork_outbox_due", ())] == 0, "its reminder is due later, not now"
    assert after[("goodwork_outbox_oldest_due_seconds", ())] == 0
    assert after[("goodwork_heartbeat_timestamp_seconds", (("loop", "outbox"),))] == TWO_DAYS_ON.timestamp()


async def test_health_while_the_bot_runs_and_after_it_stopped(
    tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``goodwork health`` says healthy (exit 0) while the bot polls and its outbox ticks; minutes after it
    stopped, it says which loop has not gone round since (exit 1)."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    monkeypatch.setenv("GOODWORK_DB", settings.db)
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    monkeypatch.setenv("GOODWORK_INSTANCE", settings.instance)
    worker = outbox_worker(settings, CourseBook({}, HOURS), HOURS, sleep=quick)
    async with running_bot(settings, tg, workers=[worker]) as bot:
        await _beating(bot, {"polling", "outbox"})
        assert await asyncio.to_thread(main, ["health"]) == 0
        line = capsys.readouterr().out
        assert line.startswith("healthy: ") and line.count("\n") == 1
        assert "polling loop" in line and "outbox loop" in line and "nothing due" in line

    later = await check(settings, datetime.now(UTC) + timedelta(minutes=5))
    assert len(later.problems) == 2
    assert "polling loop last went round 5 min ago" in later.problems[0]
    assert "outbox loop last went round 5 min ago" in later.problems[1]


async def _beating(bot: Bot, loops: set[str]) -> None:
    store = store_of(bot)
    for _ in range(300):
        if {beat.loop for beat in await store.beats()} >= loops:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no heartbeat of {loops} within 3 s")


async def test_a_metrics_address_in_use_stops_the_bot_with_one_line(tg: FakeTelegram, tmp_path: Path) -> None:
    """When ``GOODWORK_METRICS`` names a port already taken, the bot says so before it opens anything."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path), {"GOODWORK_METRICS": f"127.0.0.1:{port}"})
        with pytest.raises(ConfigError, match=rf"^GOODWORK_METRICS: cannot listen on 127\.0\.0\.1:{port} \(") as error:
            await Bot(settings).serve()
    assert "\n" not in str(error.value)
    assert not Path(settings.db).exists(), "nothing was created"


async def test_the_polling_loop_beats_only_while_telegram_answers(tg: FakeTelegram) -> None:
    """A poll that fails (a 502 here) is no sign of life; the next one that Telegram answers is."""
    beats: list[int] = []  # the getUpdates calls made by the time of each beat

    async def handle(update: Update) -> None:
        pass

    tg.fail_next("getUpdates", 502, "Bad Gateway")
    async with tg.bot(request=AiohttpRequest(2), get_updates_request=AiohttpRequest(1)) as bot:
        poller = Poller(bot, handle, handle, timeout=0, beat=lambda: beats.append(len(tg.calls_to("getUpdates"))))
        running = asyncio.ensure_future(poller.run())
        try:
            await until(lambda: len(beats) >= 3, timeout=5)
        finally:
            poller.stop()
            await asyncio.wait_for(running, 10)
    assert beats[:3] == [0, 2, 3], "at the start, then after the 2nd poll (the 1st failed), after the 3rd"


async def test_429s_are_counted(tg: FakeTelegram, tmp_path: Path) -> None:
    """Telegram's "too many requests" shows as a rate-limited request of its method (the reply still goes out)."""
    port = free_port()
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path), {"GOODWORK_METRICS": f"127.0.0.1:{port}"})
    anna = tg.person(language_code="nl")
    async with running_bot(settings, tg):
        _, before = await scrape(port)
        tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        anna.send("/language")
        await anna.replies()
        limited = {"method": "sendmessage", "result": "rate_limited"}
        _, after = await scrape_when(port, lambda now: grew(before, now, "goodwork_messages_sent_total", kind="reply"))
    assert grew(before, after, "goodwork_bot_api_requests_total", **limited) == 1
    assert grew(before, after, "goodwork_messages_sent_total", kind="reply") == len(anna.messages) == 1
