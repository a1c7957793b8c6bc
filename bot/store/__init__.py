"""Storage: one ``Store`` protocol, ``SqliteStore`` by default; pseudonyms in ``keys``."""

from __future__ import annotations

from pathlib import Path

from bot.config import ConfigError, Settings
from bot.store.errors import RepeatedUpdateError, StoreError
from bot.store.keys import Identity, Keys, Pseudonym
from bot.store.protocol import Store
from bot.store.sqlite import Clock, SqliteStore, utc_now


async def open_store(settings: Settings, keys: Keys, *, clock: Clock = utc_now, migrate: bool = True) -> Store:
    """The store ``GOODWORK_DB`` names, upgraded to the current schema unless ``migrate`` is off."""
    if "://" in settings.db:
        raise ConfigError(
            f"GOODWORK_DB: {settings.db.split('://')[0]!r} databases are not supported yet; use a file path"
        )
    return await SqliteStore.open(Path(settings.db), keys=keys, clock=clock, tz=settings.tz, migrate=migrate)


__all__ = ["Identity", "Keys", "Pseudonym", "RepeatedUpdateError", "SqliteStore", "Store", "StoreError", "open_store"]
