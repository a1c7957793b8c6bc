"""Storage: one ``Store`` protocol; ``SqliteStore`` (a file) or ``PostgresStore`` (a ``postgresql://`` URL)."""

from __future__ import annotations

from datetime import UTC, tzinfo
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.store.errors import RepeatedUpdateError, StoreError
from bot.store.keys import Identity, Keys, Pseudonym
from bot.store.postgres_names import is_postgres
from bot.store.protocol import Store
from bot.store.sqlite import Clock, SqliteStore, utc_now


async def open_store(settings: Settings, keys: Keys, *, clock: Clock = utc_now, migrate: bool = True) -> Store:
    """The store ``GOODWORK_DB`` names, upgraded to the current schema unless ``migrate`` is off."""
    return await open_database(
        settings.db, keys, clock=clock, tz=settings.tz, migrate=migrate, instance=settings.instance, name="GOODWORK_DB"
    )


async def open_database(
    db: str,
    keys: Keys,
    *,
    clock: Clock = utc_now,
    tz: tzinfo = UTC,
    migrate: bool = True,
    instance: str = "goodwork",
    name: str = "database",
) -> Store:
    """A SQLite file path or a ``postgresql://`` URL, opened (and upgraded unless ``migrate`` is off)."""
    if is_postgres(db):
        from bot.store.postgres import PostgresStore  # asyncpg is loaded only for PostgreSQL

        return await PostgresStore.open(db, keys=keys, clock=clock, tz=tz, migrate=migrate, instance=instance)
    if "://" in db:
        raise ConfigError(
            f"{name}: {db.split('://', maxsplit=1)[0]!r} databases are not supported; use a file path or postgresql://"
        )
    return await SqliteStore.open(Path(db), keys=keys, clock=clock, tz=tz, migrate=migrate, instance=instance)


__all__ = [
    "Identity",
    "Keys",
    "Pseudonym",
    "RepeatedUpdateError",
    "SqliteStore",
    "Store",
    "StoreError",
    "is_postgres",
    "open_database",
    "open_store",
]
