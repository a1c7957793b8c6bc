"""``goodwork db copy``: every row of one store into another, empty one (SQLite to PostgreSQL, or back).

Both stores keep the same tables and columns, so rows move as they are: sealed
chat ids stay sealed (the same secret opens them on both sides), pseudonyms stay
pseudonyms. The source is read in one snapshot, so a copy taken while a bot runs
is consistent; the target must be at the same schema and hold nothing yet, and
after copying, each table's count is checked against the source's.

A PostgreSQL store's ``goodwork db backup`` is such a copy into a new SQLite file.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.store import sqlite_files
from bot.store.errors import StoreError, StoreFileError
from bot.store.keys import Keys
from bot.store.protocol import Store
from bot.store.sqlite import SqliteStore

# Parents before children (the foreign keys). Not copied: the schema's own bookkeeping (meta, migrations),
# which the target has made for itself with the same secret, and heartbeats, which belong to running instances.
COPIED = (
    "participants",
    "persons",
    "conversations",
    "choices",
    "reflections",
    "dialogue_versions",
    "course_versions",
    "updates",
    "tranches",
    "enrolments",
    "tranche_trainers",
    "outbox",
    "digests",
    "trainers",
    "invitations",
    "erasures",
    "inbox",
)
NOT_COPIED = frozenset({"meta", "migrations", "heartbeats"})


async def copy_store(source: Store, target: Store) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``target``; the rows per table. StoreError if it cannot."""
    status = await source.status()
    if status.pending:
        raise StoreError(
            f"{status.path} is not at the current schema ({len(status.pending)} migration(s) pending): "
            "upgrade it first with 'goodwork db upgrade'"
        )
    held = {table: count for table, count in (await target.row_counts(COPIED)).items() if count}
    if held:
        listed = ", ".join(f"{table} {count}" for table, count in sorted(held.items()))
        raise StoreError(f"{(await target.status()).path} is not empty ({listed}): copy only into a new database")
    async for table, columns, rows in source.rows_of(COPIED):
        await target.add_rows(table, columns, rows)
    counts, copied = await source.row_counts(COPIED), await target.row_counts(COPIED)
    differ = [table for table in COPIED if counts[table] != copied[table]]
    if differ:
        raise StoreError(
            "the copy is incomplete (" + ", ".join(f"{t}: {counts[t]} rows, {copied[t]} copied" for t in differ) + ")"
        )
    return counts


async def copy_into_file(source: Store, target: Path, keys: Keys) -> dict[str, int]:
    """Copy ``source`` into a new private SQLite file, whole or not at all (written aside, then renamed)."""
    if os.path.exists(target):
        raise StoreFileError(f"backup target {str(target)!r} already exists; choose a new file name")
    problem = sqlite_files.access_problem(target, "backup", "choose a path in a folder this user can write")
    if problem is not None:
        raise StoreFileError(problem)
    partial = target.with_name(f".{target.name}.partial")
    sqlite_files.remove(partial)
    try:
        async with await SqliteStore.open(partial, keys=keys) as copy:
            counts = await copy_store(source, copy)
        os.replace(partial, target)
    finally:
        sqlite_files.remove(partial)
    return counts
