"""The store for one command-line verb: opened with the settings' secret, closed whatever happens."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.config import Settings
from bot.store import Keys, Store, open_store

T = TypeVar("T")


def using_store(settings: Settings, work: Callable[[Store], Awaitable[T]], *, migrate: bool = True) -> T:
    """Run ``work`` with the store ``GOODWORK_DB`` names (upgraded unless ``migrate`` is off), then close it."""

    async def run() -> T:
        store = await open_store(settings, Keys(settings.require_secret()), migrate=migrate)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())
