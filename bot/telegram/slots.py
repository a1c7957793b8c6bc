"""Worker slots that a waiting update gives back, so that a wait for one chat never delays the others.

The poller serves a limited number of updates at once (``Poller(concurrency=…)``).
An update that only waits (Telegram asked it to retry after a while, or a typing
pause between two bubbles) holds no slot while it waits: ``idle`` gives the slot
back, sleeps, and queues for a slot again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar

_SLOTS: ContextVar[asyncio.Semaphore | None] = ContextVar("goodwork_slots", default=None)


@contextlib.asynccontextmanager
async def slot(slots: asyncio.Semaphore) -> AsyncIterator[None]:
    """Hold one of ``slots`` for the work in this block (and let ``idle`` inside it give the slot back)."""
    async with slots:
        token = _SLOTS.set(slots)
        try:
            yield
        finally:
            _SLOTS.reset(token)


async def idle(seconds: float) -> None:
    """Sleep ``seconds`` without holding a worker slot."""
    slots = _SLOTS.get()
    if slots is None or seconds <= 0:
        await asyncio.sleep(max(seconds, 0))
        return
    slots.release()
    try:
        await asyncio.sleep(seconds)
    finally:
        await slots.acquire()
