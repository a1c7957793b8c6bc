"""Applying numbered migrations on PostgreSQL, and recognising the secret a database was made with.

The same rules as ``sqlite_upgrade.py``: a newer schema or another secret is
refused before anything changes, a database holding tables goodwork did not
make is left alone, and pending migrations run in the caller's transaction.
Instances starting together take turns (a transaction-scoped advisory lock),
so only one of them applies a migration and the others see it applied.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from bot.store.keys import Keys
from bot.store.postgres_schema import BOOKKEEPING
from bot.store.protocol import Migration, SchemaStatus
from bot.store.sqlite_upgrade import CHECK_KEY, refuse_foreign, refuse_newer, refuse_other_secret

MIGRATING = 4  # advisory lock namespace: applying migrations (see postgres.py for the others)


async def upgrade(
    db: asyncpg.Connection, migrations: tuple[Migration, ...], keys: Keys, now: datetime, apply: bool
) -> list[Migration]:
    """Inside the caller's transaction: refuse a newer schema or another secret, then apply what is pending."""
    await db.execute("SELECT pg_advisory_xact_lock($1, 0)", MIGRATING)
    tables = await _tables(db)
    applied = [number for number, _, _ in await _applied(db, tables)]
    refuse_newer(max(applied, default=0), migrations)
    refuse_foreign(applied, tables, "point GOODWORK_DB at an empty database or schema")
    stored = await db.fetchval("SELECT value FROM meta WHERE key = $1", CHECK_KEY) if "meta" in tables else None
    refuse_other_secret(stored, keys)
    if not apply:
        return []
    await db.execute(BOOKKEEPING)
    pending = [m for m in migrations if m.number not in applied]
    for migration in pending:
        await db.execute(migration.script)
        await db.execute(
            "INSERT INTO migrations (number, name, applied_at) VALUES ($1, $2, $3)",
            migration.number,
            migration.name,
            now.isoformat(timespec="seconds"),
        )
    if stored is None:
        await db.execute("INSERT INTO meta (key, value) VALUES ($1, $2)", CHECK_KEY, keys.check)
    return pending


async def read_status(db: asyncpg.Connection, where: str, migrations: tuple[Migration, ...]) -> SchemaStatus:
    applied = tuple(await _applied(db, await _tables(db)))
    done = {number for number, _, _ in applied}
    return SchemaStatus(
        path=where,
        current=max(done, default=0),
        latest=max((m.number for m in migrations), default=0),
        applied=applied,
        pending=tuple(m for m in migrations if m.number not in done),
    )


async def _tables(db: asyncpg.Connection) -> set[str]:
    """The tables of the schema this connection works in (the first of its search path)."""
    rows = await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {row[0] for row in rows}


async def _applied(db: asyncpg.Connection, tables: set[str]) -> list[tuple[Any, ...]]:
    if "migrations" not in tables:
        return []
    return [tuple(row) for row in await db.fetch("SELECT number, name, applied_at FROM migrations ORDER BY number")]
