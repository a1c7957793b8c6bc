"""A loop's heartbeat: each time it goes round it says so, and at most every ``EVERY`` seconds that reaches the store.

``goodwork health`` reads the beats: a loop whose last beat is old is stuck, or
its instance is gone. Writing never holds up the loop: a beat is written in the
background, and a beat that fails is logged (by error type) and tried again at
the next round.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime

from bot import metrics
from bot.store.protocol import Store

logger = logging.getLogger(__name__)
EVERY = 15.0  # seconds between two writes of one loop's beat


class Heartbeat:
    def __init__(
        self, store: Store, instance: str, loop: str, clock: Callable[[], datetime], every: float = EVERY
    ) -> None:
        self.store, self.instance, self.loop, self.clock, self.every = store, instance, loop, clock, every
        self._written = -float("inf")  # monotonic time of the last write started
        self._writing: asyncio.Task[None] | None = None

    def __call__(self) -> None:
        """The loop went round: write the beat unless one was written (or is being written) within ``every``."""
        now = time.monotonic()
        if now - self._written < self.every or (self._writing is not None and not self._writing.done()):
            return
        self._written = now
        self._writing = asyncio.ensure_future(self._write(self.clock()))

    async def _write(self, at: datetime) -> None:
        try:
            await self.store.beat(self.instance, self.loop, at)
        except Exception as exc:
            logger.warning("the %s heartbeat could not be written (%s)", self.loop, type(exc).__name__)
            self._written = -float("inf")  # the next round tries again
            return
        metrics.BEATS.labels(self.loop).set(at.timestamp())

    async def settle(self) -> None:
        """Wait for a beat being written (before the store closes)."""
        if self._writing is not None:
            await asyncio.gather(self._writing, return_exceptions=True)
