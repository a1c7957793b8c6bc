"""Lanes with a guard: one person's updates hold the person's lock (the store's, with several instances) while
they are handled, and a lock that cannot be had or given back never leaves an update, or a lane, stuck."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest
from telegram import Update

from bot.telegram.lanes import Lanes


def update(update_id: int, user: int) -> Update:
    data = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "P"},
            "text": "hello",
        },
    }
    return Update.de_json(data, None)


class Guards:
    """Locks by user, as the store's: records who held what when; may fail on the way in or out."""

    def __init__(self) -> None:
        self.held: set[int] = set()
        self.events: list[str] = []
        self.fail_enter: set[int] = set()
        self.fail_exit: set[int] = set()

    @contextlib.asynccontextmanager
    async def guard(self, got: Update) -> AsyncIterator[None]:
        assert got.effective_user is not None
        user = got.effective_user.id
        if got.update_id in self.fail_enter:
            raise ConnectionError("database unreachable")
        assert user not in self.held
        self.held.add(user)
        try:
            yield
        finally:
            self.held.discard(user)
            if got.update_id in self.fail_exit:
                raise ConnectionError("connection lost")


async def test_each_update_is_handled_holding_its_persons_guard() -> None:
    guards, handled, finished = Guards(), list[tuple[int, bool]](), list[int]()

    async def handle(got: Update) -> None:
        assert got.effective_user is not None
        handled.append((got.update_id, got.effective_user.id in guards.held))
        await asyncio.sleep(0.01)

    lanes = Lanes(handle, handle, finished.append, concurrency=4, backlog=10, guard=guards.guard)
    for number, user in enumerate([1, 2, 1, 2, 1], start=1):
        lanes.queue(update(number, user))
    await lanes.drain()
    assert sorted(handled) == [(n, True) for n in range(1, 6)] and sorted(finished) == [1, 2, 3, 4, 5]
    assert [n for n, _ in handled if n in (1, 3, 5)] == [1, 3, 5], "one person's in order"


async def test_a_guard_that_fails_leaves_no_update_and_no_lane_stuck(caplog: pytest.LogCaptureFixture) -> None:
    """The database unreachable: the update is handled all the same (the person is told what happened), and a
    lock not given back does not stop that person's next update."""
    guards, handled, finished = Guards(), list[int](), list[int]()
    guards.fail_enter.add(1)
    guards.fail_exit.add(2)

    async def handle(got: Update) -> None:
        handled.append(got.update_id)

    lanes = Lanes(handle, handle, finished.append, concurrency=4, backlog=10, guard=guards.guard)
    caplog.set_level(logging.WARNING)
    for number in (1, 2, 3):
        lanes.queue(update(number, 7))
    await asyncio.wait_for(lanes.drain(), 5)
    assert handled == [1, 2, 3] and finished == [1, 2, 3]
    logged = caplog.text
    assert "update 1 handled without its person's lock (ConnectionError)" in logged
    assert "update 2: its person's lock was not given back (ConnectionError)" in logged
