"""A bot process that only sends follow-ups, for ``test_outbox_restart.py`` and ``bench_outbox.py``.

    python tests/schedule/outbox_child.py DBPATH API_URL TOKEN [OVERALL [PER_CHAT]]

It opens the store, connects a ``telegram.Bot`` to ``API_URL`` (the fake Bot API
server the caller runs) and runs the outbox ``Dispatcher`` as ``goodwork run``
does (``run()``: first ``recover_sending``, then ticks), composing with the real
``FollowupMessages``, sending through one ``Sender`` with ``Limits(OVERALL,
PER_CHAT)``. Its clock starts on a Wednesday at noon in Amsterdam and moves
with real time, so everything ``fill`` queued is due and the default working
hours are open. It stops by itself once no row is pending or being sent, and
prints the outbox status as JSON; or after ``LIMIT_SECONDS``, so it can never
run forever. Warnings (such as rows recovered after a crash) go to stderr.

``fill`` makes a database with one due follow-up for each of a number of chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from telegram import Bot

from bot.dialogue.model import DialogueId
from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.schedule.messages import FollowupMessages
from bot.schedule.outbox import Dispatcher
from bot.schedule.sender import Limits, Sender
from bot.schedule.worker import CONNECTIONS
from bot.store.catalogue import Catalogue
from bot.store.keys import Keys
from bot.store.protocol import Planned
from bot.store.sqlite import SqliteStore
from bot.telegram.transport import AiohttpRequest

SECRET = "outbox-child-secret-" + "o" * 32
START = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)  # a Wednesday, 12:00 in Amsterdam: open, no holiday
HOURS = WorkingHours()  # Monday to Friday 09:00-17:00 in Amsterdam, skipping Dutch holidays
FIRST_CHAT = 700_000
EVERY = 0.02  # seconds between ticks
CHECK_EVERY = 0.1  # seconds between looks at the outbox status
LIMIT_SECONDS = 300.0


def moving_clock() -> Callable[[], datetime]:
    """``START``, moving on with real time from the first call."""
    began = time.monotonic()
    return lambda: START + timedelta(seconds=time.monotonic() - began)


def chat_ids(count: int) -> list[int]:
    return [FIRST_CHAT + n for n in range(count)]


async def fill(path: Path, count: int) -> list[int]:
    """A new database with one tranche and ``count`` participants, each with one follow-up due now; their chats."""
    keys = Keys(SECRET)
    chats = chat_ids(count)
    async with await SqliteStore.open(path, keys=keys, clock=lambda: START) as store:
        tranche = await store.open_tranche("art-of-connecting", "restart", date(2026, 11, 23), "trainer")
        plan = [Planned(START - timedelta(minutes=5), DialogueId("followup-2d"))]
        for chat_id in chats:
            contact = keys.telegram(chat_id).contact
            await store.save_participant(contact, chat_id)
            assert await store.enrol(contact, tranche.code, plan)
        assert (await store.outbox_status()).get("pending") == count
    return chats


def spawn(path: Path, api_url: str, token: str, logs: Path, *limits: float) -> subprocess.Popen[bytes]:
    """Run this file as a bot process sending ``path``'s outbox; its output goes to ``logs``.out/.err."""
    root = str(Path(__file__).parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    env["PTB_TIMEDELTA"] = "1"
    profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
    command = [sys.executable, *profile, __file__, str(path), api_url, token, *map(str, limits)]
    with logs.with_suffix(".out").open("wb") as out, logs.with_suffix(".err").open("wb") as err:
        return subprocess.Popen(command, stdout=out, stderr=err, cwd=root, env=env)  # the child keeps its handles


async def reap(process: subprocess.Popen[bytes]) -> None:
    """Kill ``process`` if it still runs and collect its exit status, without blocking the event loop."""
    if process.poll() is None:
        process.kill()
    deadline = time.monotonic() + 10
    while process.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    process.wait(timeout=1)


async def run(path: Path, api_url: str, token: str, limits: Limits) -> dict[str, int]:
    """Send until the outbox holds nothing pending or mid-send; the outbox status."""
    keys, clock = Keys(SECRET), moving_clock()
    async with (
        await SqliteStore.open(path, keys=keys, clock=clock) as store,
        Bot(token, base_url=api_url, request=AiohttpRequest(CONNECTIONS)) as bot,  # as the running bot's sender
    ):
        cpu = time.process_time()
        compose = FollowupMessages(store, Catalogue(store), CourseBook({}, HOURS))
        dispatcher = Dispatcher(store, Sender(bot, limits), hours=HOURS, compose=compose, clock=clock)
        running = asyncio.create_task(dispatcher.run(every=EVERY))
        try:
            await _until_empty(store, running)
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
        return {**await store.outbox_status(), "cpu_ms": round(1000 * (time.process_time() - cpu))}


async def _until_empty(store: SqliteStore, running: asyncio.Task[None]) -> None:
    """Until no row is pending or mid-send, looked up by index on a connection of its own.

    (``outbox_status`` counts every row; ten times a second over 10,000 rows it was a sixth of this
    process's CPU, which bench_outbox.py counts as the sender's.)
    """
    deadline = time.monotonic() + LIMIT_SECONDS
    with contextlib.closing(sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)) as look:
        while True:
            if running.done():
                running.result()  # raises what stopped it
                raise RuntimeError("the dispatcher stopped by itself")
            busy = "SELECT EXISTS (SELECT 1 FROM outbox WHERE status IN ('pending', 'sending'))"
            if not look.execute(busy).fetchall()[0][0]:  # read to the end: no snapshot left open
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"outbox not empty after {LIMIT_SECONDS} s: {await store.outbox_status()}")
            await asyncio.sleep(CHECK_EVERY)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    db_path, url, bot_token = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    default = Limits()
    overall = float(sys.argv[4]) if len(sys.argv) > 4 else default.overall
    per_chat = float(sys.argv[5]) if len(sys.argv) > 5 else default.per_chat
    final = asyncio.run(run(db_path, url, bot_token, Limits(overall=overall, per_chat=per_chat)))
    sys.stdout.write(json.dumps(final, sort_keys=True) + "\n")
    sys.stdout.flush()
