"""Updates, however they arrive (long polling or a webhook), handled one person at a time and many people at once.

Updates of one person run in order, one at a time, in that person's lane;
different people run concurrently (up to ``concurrency`` at once; an update that
only waits, for Telegram's ``retry_after`` or a typing pause, gives its slot back
meanwhile, so one chat's limit never holds up the others). A person who floods
the bot gets at most ``backlog`` updates queued; the first one past it goes to
``overflow`` (a cheap "slow down") and the rest are dropped until the lane runs
empty, so one person cannot fill the batches that others' updates arrive in.
Each update, handled or dropped, is reported to ``finished``.

With several instances on one database, ``guard`` keeps one person's updates one at a time across
them too (the store's lock for that person, taken before a slot, so a lane waiting for it holds none).

Each update is read on its own (``read``): one this library cannot read is
logged (by id) and skipped instead of stopping the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update

from bot.telegram.slots import slot

logger = logging.getLogger(__name__)

Handle = Callable[[Update], Awaitable[None]]
Guard = Callable[[Update], AbstractAsyncContextManager[None]]
JSONDict = dict[str, Any]


def unguarded(update: Update) -> AbstractAsyncContextManager[None]:
    """One instance: its lanes are all the order there is to keep."""
    return contextlib.nullcontext()


@dataclass
class _Lane:
    queue: asyncio.Queue[Update] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    warned: bool = False  # told to slow down since this lane last ran empty


class Lanes:
    def __init__(
        self,
        handle: Handle,
        overflow: Handle,
        finished: Callable[[int], None],
        *,
        concurrency: int,
        backlog: int,
        guard: Guard = unguarded,
    ) -> None:
        self.handle, self.overflow, self.finished, self.backlog = handle, overflow, finished, backlog
        self.guard = guard
        self._slots = asyncio.Semaphore(concurrency)
        self._lanes: dict[int, _Lane] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def queue(self, update: Update) -> None:
        """Into its person's lane (or, past the backlog, to ``overflow``)."""
        lane = self._lanes.setdefault(_lane_key(update), _Lane())
        if lane.queue.qsize() >= self.backlog:
            return self._overflow(lane, update)
        lane.queue.put_nowait(update)
        if lane.task is None:
            lane.task = self.spawn(self._run_lane(_lane_key(update), lane))

    def spawn(self, work: Awaitable[None]) -> asyncio.Task[None]:
        """A task that ``drain`` waits for."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self) -> None:
        """Until every update queued (and every task spawned) has finished."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _overflow(self, lane: _Lane, update: Update) -> None:
        """Past the backlog: one "slow down" per flood; the rest are dropped (and reported finished)."""
        if lane.warned:
            self.finished(update.update_id)
            return
        lane.warned = True
        self.spawn(self._run_one(self.overflow, update))

    async def _run_lane(self, key: int, lane: _Lane) -> None:
        while not lane.queue.empty():
            await self._guarded(lane.queue.get_nowait())
        lane.task = None
        if lane.queue.empty():
            self._lanes.pop(key, None)
        else:  # filled again while this task was finishing
            lane.task = self.spawn(self._run_lane(key, lane))

    async def _guarded(self, update: Update) -> None:
        """Handle ``update`` holding its guard; a guard that fails (the database unreachable) is logged and the
        update handled as without it, which tells the person what happened, rather than left waiting."""
        guard = self.guard(update)
        try:
            await guard.__aenter__()
        except Exception as exc:
            logger.warning("update %s handled without its person's lock (%s)", update.update_id, type(exc).__name__)
            guard = contextlib.nullcontext()
        try:
            async with slot(self._slots):  # given back while the update only waits (slots.idle)
                await self._run_one(self.handle, update)
        finally:
            try:
                await guard.__aexit__(None, None, None)
            except Exception as exc:
                logger.warning(
                    "update %s: its person's lock was not given back (%s)", update.update_id, type(exc).__name__
                )

    async def _run_one(self, handle: Handle, update: Update) -> None:
        try:
            await handle(update)
        except Exception:
            logger.exception("update %s failed outside the error handler", update.update_id)
        finally:
            self.finished(update.update_id)


def read(data: JSONDict, bot: Bot) -> Update | None:
    """The library's ``Update`` for one raw update, or None (logged by id) if it cannot be read."""
    try:
        return Update.de_json(_lean(data), bot)
    except Exception as exc:  # an update this library cannot read is skipped, not fatal
        logger.warning("update %s could not be read (%s); skipped", data.get("update_id"), type(exc).__name__)
        return None


def _lean(data: JSONDict) -> JSONDict:
    """The update as the bot reads it: a pressed button's message without its keyboard.

    Nothing reads that keyboard, and turning each of its buttons into the library's objects was
    30% of reading a press (169 against 120 µs a press, timed on its own; reading updates was a
    tenth of handling them in a profile of the shipped run). What is kept to spill is the update
    as Telegram sent it.
    """
    query = data.get("callback_query")
    if not isinstance(query, dict):
        return data
    message = query.get("message")
    if not isinstance(message, dict) or "reply_markup" not in message:
        return data
    lean = {key: value for key, value in message.items() if key != "reply_markup"}
    return {**data, "callback_query": {**query, "message": lean}}


def _lane_key(update: Update) -> int:
    """Updates of one person share a lane; anything without a person gets a lane of its own."""
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return -update.update_id
