"""The periodic retention task: what is older than ``GOODWORK_RETENTION_DAYS`` goes, once a day."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from typing import NoReturn

from bot.store.protocol import Pruned, Store

logger = logging.getLogger(__name__)
DAY = 24 * 60 * 60


async def prune_once(store: Store, retention_days: int, now: datetime, tz: tzinfo) -> Pruned:
    pruned = await store.prune(now.astimezone(tz).date(), retention_days)
    logger.info(
        "retention (%d days): deleted %d reflection(s), %d inactive person(s), %d contact(s), %d update id(s)",
        retention_days,
        pruned.reflections,
        pruned.people,
        pruned.participants,
        pruned.updates,
    )
    return pruned


async def keep_pruning(
    store: Store,
    retention_days: int,
    *,
    clock: Callable[[], datetime],
    tz: tzinfo,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> NoReturn:
    """Prune now and then every day until cancelled; a failed run is logged and retried the next day."""
    while True:
        try:
            await prune_once(store, retention_days, clock(), tz)
        except Exception:
            logger.exception("retention run failed; trying again in a day")
        await sleep(DAY)
