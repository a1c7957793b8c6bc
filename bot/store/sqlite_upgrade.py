"""Applying numbered migrations, and recognising the secret a database was made with.

These run on the writer's thread with a plain ``sqlite3`` connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bot.store.errors import SchemaTooNewError, SecretMismatchError, StoreFileError
from bot.store.keys import Keys, Pseudonym
from bot.store.protocol import Migration, SchemaStatus
from bot.store.sqlite_schema import BOOKKEEPING

CHECK_KEY = "secret_check"


def upgrade(
    db: sqlite3.Connection, migrations: tuple[Migration, ...], keys: Keys, now: datetime, apply: bool
) -> list[Migration]:
    """Inside the caller's transaction: refuse a newer schema or another secret, then apply what is pending.

    Returns the migrations applied now. Scripts may call ``seal_chat(chat_id, contact)`` and ``author_code(chat_id)``.
    """
    tables = _tables(db)
    applied = [number for number, _, _ in _applied(db, tables)]
    refuse_newer(max(applied, default=0), migrations)
    refuse_foreign(applied, tables, "point GOODWORK_DB at a new file")
    stored = _stored_check(db, tables)
    refuse_other_secret(stored, keys)
    if not apply:
        return []
    db.create_function("seal_chat", 2, lambda chat, contact: keys.seal_chat(int(chat), Pseudonym(str(contact))))
    db.create_function("author_code", 1, lambda chat: keys.author(int(chat)))
    db.execute(BOOKKEEPING)
    pending = [m for m in migrations if m.number not in applied]
    for migration in pending:
        for statement in statements(migration.script):
            db.execute(statement)
        db.execute(
            "INSERT INTO migrations (number, name, applied_at) VALUES (?, ?, ?)",
            (migration.number, migration.name, now.isoformat(timespec="seconds")),
        )
    if stored is None:
        db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (CHECK_KEY, keys.check))
    return pending


def scrub(db: sqlite3.Connection) -> None:
    """Outside a transaction: rebuild the file and empty the WAL, so no free page or old frame keeps removed data."""
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def read_status(db: sqlite3.Connection, path: str, migrations: tuple[Migration, ...]) -> SchemaStatus:
    applied = tuple(_applied(db, _tables(db)))
    done = {number for number, _, _ in applied}
    return SchemaStatus(
        path=path,
        current=max(done, default=0),
        latest=max((m.number for m in migrations), default=0),
        applied=applied,
        pending=tuple(m for m in migrations if m.number not in done),
    )


def statements(script: str) -> Iterator[str]:
    """Split a script into single statements (``executescript`` would commit the transaction)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        raise ValueError(f"migration script ends in an incomplete statement: {pending.strip()[:60]!r}")


def refuse_newer(newest: int, migrations: tuple[Migration, ...]) -> None:
    known = max((m.number for m in migrations), default=0)
    if newest > known:
        raise SchemaTooNewError(
            f"the database is at schema version {newest}, but this goodwork knows versions up to {known}: "
            "upgrade goodwork (or restore a backup made by this version)"
        )


def refuse_foreign(applied: list[int], tables: set[str], instead: str) -> None:
    """A database with tables but no migrations of ours is someone else's: left alone."""
    if not applied and tables - {"migrations"}:
        raise StoreFileError(f"the database holds tables goodwork did not make; {instead}")


def refuse_other_secret(stored: str | None, keys: Keys) -> None:
    """The database's check value (None: a new database) must be this secret's."""
    if stored is not None and stored != keys.check:
        raise SecretMismatchError(
            "GOODWORK_SECRET is not the secret this database was made with: everyone would get a new, "
            "empty identity. Start with the original secret (or point GOODWORK_DB at a new database)."
        )


def _tables(db: sqlite3.Connection) -> set[str]:
    return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _applied(db: sqlite3.Connection, tables: set[str]) -> list[tuple[Any, ...]]:
    if "migrations" not in tables:
        return []
    return [tuple(row) for row in db.execute("SELECT number, name, applied_at FROM migrations ORDER BY number")]


def _stored_check(db: sqlite3.Connection, tables: set[str]) -> str | None:
    if "meta" not in tables:
        return None
    row = db.execute("SELECT value FROM meta WHERE key = ?", (CHECK_KEY,)).fetchone()
    return None if row is None else str(row[0])
