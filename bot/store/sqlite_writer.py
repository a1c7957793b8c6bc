"""The one connection that writes: plain ``sqlite3`` on one dedicated thread, a transaction per hand-off.

aiosqlite hands each statement to its thread separately, and a dialogue step
is six statements (begin, update id, person, state, answer, commit): six
hand-offs, during which every other writer waits. Here a whole transaction is
one function run on the writer's thread, so it costs one hand-off
(``tests/benchmarks/bench_store.py`` measures both). Reads stay on aiosqlite,
on their own thread, and run beside a write (WAL).

Transactions that are asked for while one is being written go together into
the next (a group commit): one ``BEGIN IMMEDIATE … COMMIT`` and one hand-off
for all of them, each in a savepoint of its own, so that one that fails rolls
back alone and raises to its caller only. Every caller still returns only once
its changes are committed (or raises what stopped them). Under load this saves
the begin, the commit and the hand-off of all but one.

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
BATCH = 64  # transactions written together at most


class Writer:
    def __init__(self, path: Path) -> None:
        self.path, self._db = path, None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="goodwork-sqlite-writer")
        self._waiting: list[tuple[Work[Any], asyncio.Future[Any]]] = []  # asked for while a write was going on
        self._busy = False  # a write (alone, or a group) is going on
        self._group: asyncio.Task[None] | None = None  # the group being written (held: the loop keeps tasks weakly)

    async def open(self) -> None:
        self._db = await self._call(sqlite_files.connect_sync, self.path)

    async def transaction(self, work: Work[T]) -> T:
        """Run ``work`` inside ``BEGIN IMMEDIATE … COMMIT`` (with others asked for meanwhile, each in a savepoint);
        any exception rolls back ``work`` and comes back to its caller."""
        connection = self._connection  # closed: raise here, at once
        if self._busy:  # wait for the next group
            done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
            self._waiting.append((work, done))
            return await done
        self._busy = True  # idle: written at once, alone, as without groups
        try:
            return await self._call(in_transaction, connection, work)
        finally:
            self._next(connection)

    def _next(self, connection: sqlite3.Connection) -> None:
        """After a write: the transactions asked for meanwhile go next, together; or the writer is idle."""
        if any(not done.cancelled() for _, done in self._waiting):
            self._group = asyncio.ensure_future(self._write_waiting(connection))
        else:
            self._waiting, self._busy = [], False

    async def _write_waiting(self, connection: sqlite3.Connection) -> None:
        while waiting := [(work, done) for work, done in self._waiting if not done.cancelled()]:
            batch, self._waiting = waiting[:BATCH], waiting[BATCH:]
            try:  # shielded: a group that has started finishes, whoever stops waiting for it
                outcomes = await asyncio.shield(self._call(in_batch, connection, [work for work, _ in batch]))
            except BaseException as exc:  # the commit failed, or the writer is closing: nothing was written
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc if isinstance(exc, Exception) else sqlite3.OperationalError("closed"))
                if not isinstance(exc, Exception):
                    self._waiting, self._busy = [], False
                    raise
                continue
            for (_, done), (ok, value) in zip(batch, outcomes, strict=True):
                if not done.done():
                    (done.set_result if ok else done.set_exception)(value)
        self._busy = False

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


def in_batch(db: sqlite3.Connection, works: list[Work[Any]]) -> list[tuple[bool, Any]]:
    """One transaction for ``works``, each in its own savepoint: (True, result) or (False, what it raised)."""
    if len(works) == 1:  # alone, as before: no savepoint
        try:
            return [(True, in_transaction(db, works[0]))]
        except Exception as exc:
            return [(False, exc)]
    outcomes: list[tuple[bool, Any]] = []
    db.execute("BEGIN IMMEDIATE")
    try:
        for work in works:
            db.execute("SAVEPOINT work")
            try:
                outcomes.append((True, work(db)))
            except Exception as exc:
                db.execute("ROLLBACK TO work")
                outcomes.append((False, exc))
            db.execute("RELEASE work")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return outcomes
