"""The SQLite file itself: created private (mode 0600), opened with durable settings, backed up online."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
from pathlib import Path

import aiosqlite

from bot.store.protocol import StoreFileError

logger = logging.getLogger(__name__)

# Set once the file is known to be ours, so a wrong file is left exactly as it was.
WAL = "PRAGMA journal_mode = WAL"  # readers never block the writer; a commit is one append
PRAGMAS = (
    "PRAGMA synchronous = NORMAL",  # with WAL: a commit survives a crash of the process
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",  # another process (goodwork db ...) may hold the write lock briefly
    "PRAGMA secure_delete = ON",  # deleted text is overwritten, not left in free pages
)


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist; warn if it is readable by others."""
    if not path.parent.is_dir():
        raise StoreFileError(f"cannot create database {str(path)!r}: folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise StoreFileError(f"cannot open database {str(path)!r}: it is a folder")
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("database %s can be read by other users of this machine; chmod 600 it", path)


async def connect_reader(path: Path) -> aiosqlite.Connection:
    """A read-only aiosqlite connection with the same settings."""
    try:
        connection = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreFileError(f"cannot open database {str(path)!r}: {exc}") from None
    try:
        for pragma in PRAGMAS:
            await connection.execute(pragma)
        await connection.execute_fetchall("SELECT count(*) FROM sqlite_master")  # is this a database at all?
        await connection.execute("PRAGMA query_only = ON")
    except sqlite3.DatabaseError as exc:
        await connection.close()
        raise StoreFileError(f"cannot use {str(path)!r} as a database: {exc}") from None
    return connection


def connect_sync(path: Path) -> sqlite3.Connection:
    """The same, as a plain connection for the writer's own thread."""
    try:
        connection = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreFileError(f"cannot open database {str(path)!r}: {exc}") from None
    try:
        for pragma in PRAGMAS:
            connection.execute(pragma)
        connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise StoreFileError(f"cannot use {str(path)!r} as a database: {exc}") from None
    return connection


def backup(source: Path, target: Path) -> None:
    """Copy a live database with SQLite's online backup into a new private file, atomically."""
    if target.exists():
        raise StoreFileError(f"backup target {str(target)!r} already exists; choose a new file name")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    try:
        _copy(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _copy(source: Path, target: Path) -> None:
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        (verdict,) = dst.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            raise StoreFileError(f"backup failed its integrity check: {verdict}")
    with open(target, "rb") as written:
        os.fsync(written.fileno())
