"""A bot killed mid-batch loses no follow-up, and shows one twice only when its outcome was unknown.

The test process serves the fake Bot API (its event loop must keep answering
while a child runs, so it only ever waits with ``asyncio.sleep``). A child bot
(``outbox_child.py``) sends a batch of 1,000 due follow-ups, one per chat; it is
SIGKILLed once a few hundred have arrived, and a second child, started on the
same database as a restarted bot would be, sends the rest.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from fakeapi import FakeTelegram
from outbox_child import SECRET, fill, reap, spawn

from bot.schedule.outbox import BATCH
from bot.store.keys import Keys
from bot.store.sqlite import SqliteStore

ROOT = Path(__file__).parents[2]
CHILD = Path(__file__).with_name("outbox_child.py")
COUNT = 1000
KILL_AT = 300  # messages delivered before the first child is killed
FAST = ("2000", "100")  # Limits(overall, per_chat): quick, and the fake enforces no limit here
START_LIMIT = 15.0  # seconds for the first child to deliver KILL_AT messages
FINISH_LIMIT = 30.0  # seconds for the second child to empty the outbox


class CountingTelegram(FakeTelegram):
    """The fake server, counting the follow-ups it accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.delivered = 0

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = super()._send_message(params)
        self.delivered += 1
        return sent


@pytest.mark.slow
async def test_killed_sender_delivers_everything_after_restart(tmp_path: Path) -> None:
    """After a SIGKILL mid-batch and a restart all 1,000 follow-ups arrive; repeats are at most the unknown sends."""
    path = tmp_path / "outbox.sqlite3"
    chats = await fill(path, COUNT)
    async with CountingTelegram() as tg:
        for chat_id in chats:
            tg.add_chat({"id": chat_id, "type": "private", "first_name": "Participant"})
        first = spawn(path, tg.api_url, tg.token, tmp_path / "first", *FAST)
        try:
            await _wait(lambda: tg.delivered >= KILL_AT or first.poll() is not None, START_LIMIT)
            first.kill()  # SIGKILL
            at_kill = tg.delivered
        finally:
            await reap(first)
        assert first.returncode == -signal.SIGKILL, f"the first child ended by itself:\n{_log(tmp_path / 'first')}"
        assert KILL_AT <= at_kill < COUNT, f"killed after {at_kill} of {COUNT} messages: not mid-way"
        second = spawn(path, tg.api_url, tg.token, tmp_path / "second", *FAST)
        try:
            await _wait(lambda: second.poll() is not None, FINISH_LIMIT)
        finally:
            await reap(second)
        assert second.returncode == 0, f"the second child failed:\n{_log(tmp_path / 'second')}"
        counts = {chat_id: len(tg.messages(chat_id)) for chat_id in chats}
        assert tg.delivered == sum(counts.values())

    async with await SqliteStore.open(path, keys=Keys(SECRET)) as store:
        status = await store.outbox_status()
    unknown = status["unknown"]
    print(f"killed after {at_kill} messages; {unknown} rows recovered from 'sending'; {tg.delivered} messages in all")
    printed = json.loads((tmp_path / "second.out").read_text())
    printed.pop("cpu_ms")  # the child's own CPU, for bench_outbox.py
    assert printed == status
    assert status == {"sent": COUNT, "unknown": unknown}, "every row is sent, none failed or left over"
    assert 1 <= unknown <= BATCH, "the kill left (at most one batch of) rows mid-send, counted on recovery"
    missing = [chat_id for chat_id, n in counts.items() if n == 0]
    assert not missing, f"{len(missing)} chats never got their follow-up"
    repeats = sum(n - 1 for n in counts.values())
    assert max(counts.values()) <= 2, "one crash resends a row at most once"
    assert repeats <= unknown, f"{repeats} follow-ups arrived twice, but only {unknown} sends had an unknown outcome"
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("SELECT count(*) FROM outbox WHERE contact IS NOT NULL").fetchone() == (0,)


async def _wait(done: Callable[[], bool], limit: float) -> None:
    """Poll ``done`` without blocking the event loop the fake server answers on."""
    deadline = time.monotonic() + limit
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {limit} s")
        await asyncio.sleep(0.002)


def _log(logs: Path) -> str:
    return logs.with_suffix(".err").read_text()[-3000:]
