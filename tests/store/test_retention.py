"""The daily retention task prunes at once, then once a day, and survives a failed run."""

from __future__ import annotations

import asyncio
from datetime import UTC, date

import pytest
from store_helpers import FakeClock

from bot.store.keys import Pseudonym
from bot.store.protocol import Pruned, Store
from bot.store.retention import DAY, keep_pruning


class CountingStore:
    """Records each prune; the second one fails like a locked database would."""

    def __init__(self) -> None:
        self.days: list[date] = []

    async def prune(self, today: date, retention_days: int) -> Pruned:
        self.days.append(today)
        if len(self.days) == 2:
            raise OSError("disk hiccup")
        return Pruned()


async def test_prunes_daily_until_cancelled(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    """Three days of the task prune three times, once per day, and a failure in between is logged, not fatal."""
    store = CountingStore()
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(days=1)
        if len(sleeps) == 3:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await keep_pruning(store, 365, clock=clock, tz=UTC, sleep=sleep)  # type: ignore[arg-type]
    assert [d.isoformat() for d in store.days] == ["2026-11-23", "2026-11-24", "2026-11-25"]
    assert sleeps == [DAY] * 3 and "retention run failed" in caplog.text


async def test_prunes_a_real_store(store: Store, clock: FakeClock) -> None:
    """Against a real store the task runs its first pass right away."""
    await store.set_current(Pseudonym("nobody"), None, update=1)
    clock.advance(days=10)

    async def stop(seconds: float) -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await keep_pruning(store, 365, clock=clock, tz=UTC, sleep=stop)
    assert not await store.seen_update(1), "update ids older than three days were pruned"
