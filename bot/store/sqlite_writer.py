"""The one connection that writes: plain ``sqlite3`` on one dedicated thread, a transaction per hand-off.

aiosqlite hands each statement to its thread separately, and a dialogue step
is six statements (begin, update id, person, state, answer, commit): six
hand-offs, during which every other writer waits. Here a whole transaction is
one function run on the writer's thread, so it costs one hand-off
(``tests/benchmarks/bench_store.py`` measures both). Reads stay on aiosqlite,
on their own thread, and run beside a write (WAL).

A transaction that has started always finishes, commit or rollback, even if
the task awaiting it is cancelled; one that has not started never runs.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bot.store import sqlite_files

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]


class Writer:
    def __init__(self, path: Path) -> None:
        self.path, self._db = path, None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="goodwork-sqlite-writer")

    async def open(self) -> None:
        self._db = await self._call(sqlite_files.connect_sync, self.path)

    async def transaction(self, work: Work[T]) -> T:
        """Run ``work`` inside ``BEGIN IMMEDIATE … COMMIT``; any exception rolls it back."""
        return await self._call(in_transaction, self._connection, work)

    async def run(self, work: Work[T]) -> T:
        """Run ``work`` outside a transaction (pragmas, checkpoints, reading the schema)."""
        return await self._call(work, self._connection)

    async def close(self) -> None:
        if self._db is not None:
            await self._call(self._db.close)
            self._db = None
        self._thread.shutdown(wait=True)

    @property
    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise sqlite3.ProgrammingError("the store is closed")
        return self._db

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    _db: sqlite3.Connection | None


def in_transaction(db: sqlite3.Connection, work: Work[T]) -> T:
    db.execute("BEGIN IMMEDIATE")
    try:
        result = work(db)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return result
