"""What the PostgreSQL query mixins use of ``PostgresStore``: the pool, transactions, and the once-only update ids."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import asyncpg

from bot.store.errors import RepeatedUpdateError
from bot.store.keys import Keys
from bot.store.sqlite_schema import PERSONAL_TABLES

T = TypeVar("T")
Work = Callable[[asyncpg.Connection], Awaitable[T]]


class PostgresParts:
    _pool: asyncpg.Pool
    _keys: Keys
    _clock: Callable[[], datetime]
    _tz: Any

    def _now(self) -> datetime:
        return self._clock().astimezone(self._tz)

    def _today(self) -> str:
        return self._now().date().isoformat()

    async def _rows(self, sql: str, *parameters: Any) -> list[asyncpg.Record]:
        return list(await self._pool.fetch(sql, *parameters))

    async def _transaction(self, work: Work[T]) -> T:
        """``work`` in one transaction on one pooled connection; any exception rolls it back and comes back."""
        async with self._pool.acquire() as db, db.transaction():
            return await work(db)

    async def _apply(self, update: int | None, work: Work[T]) -> T:
        """``work`` in one transaction that also records ``update`` (RepeatedUpdateError if it was applied before)."""
        day = self._today()

        async def run(db: asyncpg.Connection) -> T:
            await once(db, update, day)
            return await work(db)

        return await self._transaction(run)

    async def checkpoint(self) -> None:
        """Nothing to flush: PostgreSQL keeps its own log (``vacuum`` clears deleted rows)."""

    async def vacuum(self) -> None:
        """Reclaim the space of deleted personal rows now (VACUUM runs outside a transaction)."""
        await self._pool.execute("VACUUM " + ", ".join(PERSONAL_TABLES))


async def once(db: asyncpg.Connection, update_id: int | None, day: str) -> None:
    """Record ``update_id`` as applied in this transaction; RepeatedUpdateError if it was applied before.

    Two instances recording the same id at once: the second waits for the first to commit, then finds it.
    """
    if update_id is None:
        return
    status = await db.execute(
        "INSERT INTO updates (update_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING", update_id, day
    )
    if changed(status) != 1:
        raise RepeatedUpdateError(f"update {update_id} was applied before")


def changed(status: str) -> int:
    """The rows a statement changed, from its status ("UPDATE 3", "INSERT 0 1", "DELETE 2")."""
    return int(status.rsplit(" ", 1)[-1])
