"""What the query mixins (courses, trainers) use of ``SqliteStore``."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import aiosqlite

from bot.store.keys import Keys
from bot.store.sqlite_writer import Work, Writer
from bot.store.sqlite_writes import once

T = TypeVar("T")


class SqliteParts:
    _writer: Writer
    _reader: aiosqlite.Connection
    _keys: Keys

    async def _rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    async def _scan(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def _now(self) -> datetime:
        raise NotImplementedError

    async def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it, so deleted text leaves no old copy there."""
        await self._writer.run(lambda db: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())

    async def _apply(self, update: int | None, work: Work[T]) -> T:
        """``work`` in one transaction that also records ``update`` (RepeatedUpdateError if it was applied before)."""
        day = self._now().date().isoformat()

        def run(db: sqlite3.Connection) -> T:
            once(db, update, day)
            return work(db)

        return await self._writer.transaction(run)
