"""The one writer: transactions asked for while one is written go together, each still all-or-nothing alone."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import sqlite_files
from bot.store.sqlite_writer import Writer


@pytest.fixture
async def writer(tmp_path: Path) -> AsyncIterator[Writer]:
    path = tmp_path / "w.sqlite3"
    sqlite_files.create_private(path)
    opened = Writer(path)
    await opened.open()
    await opened.transaction(lambda db: db.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT UNIQUE)"))
    try:
        yield opened
    finally:
        await opened.close()


def rows(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [b for (b,) in db.execute("SELECT b FROM t ORDER BY a")]


def insert(value: str) -> object:
    return lambda db: db.execute("INSERT INTO t (b) VALUES (?)", (value,)).lastrowid


async def test_transactions_asked_for_together_are_committed_in_few_transactions(writer: Writer) -> None:
    commits = 0

    def trace(statement: str) -> None:
        nonlocal commits
        commits += statement == "COMMIT"

    await writer.run(lambda db: db.set_trace_callback(trace))
    ids = await asyncio.gather(*(writer.transaction(insert(f"v{n}")) for n in range(100)))
    await writer.run(lambda db: db.set_trace_callback(None))
    assert sorted(ids) == list(range(1, 101)) and rows(writer.path) == [f"v{n}" for n in range(100)], "in order"
    assert commits <= 4, f"{commits} commits for 100 transactions asked for at once"


async def test_one_failing_transaction_in_a_group_rolls_back_alone(writer: Writer) -> None:
    """A unique-key clash in the middle of a group: that transaction raises to its caller, with nothing of it
    written (also its first statement); the others are committed."""

    def clash(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO t (b) VALUES ('half')")
        db.execute("INSERT INTO t (b) VALUES ('v1')")

    results = await asyncio.gather(
        writer.transaction(insert("v0")),
        writer.transaction(insert("v1")),
        writer.transaction(clash),
        writer.transaction(insert("v2")),
        return_exceptions=True,
    )
    assert isinstance(results[2], sqlite3.IntegrityError)
    assert rows(writer.path) == ["v0", "v1", "v2"], "nothing of the failed one, everything of the others"


async def test_a_transaction_whose_caller_gave_up_before_it_started_never_runs(writer: Writer) -> None:
    first = asyncio.ensure_future(writer.transaction(insert("first")))
    await asyncio.sleep(0)  # the first is being written: the next ones wait for the group after it
    waiting = asyncio.ensure_future(writer.transaction(insert("abandoned")))
    kept = asyncio.ensure_future(writer.transaction(insert("kept")))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(first, kept)
    assert rows(writer.path) == ["first", "kept"]


async def test_a_closed_writer_refuses_at_once(writer: Writer) -> None:
    await writer.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        await writer.transaction(insert("late"))
