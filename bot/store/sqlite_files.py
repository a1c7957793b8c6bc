"""The SQLite file itself: created private (mode 0600), opened with durable settings, backed up online."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
from pathlib import Path

import aiosqlite

from bot.store.errors import StoreFileError

logger = logging.getLogger(__name__)

ELSEWHERE = "point GOODWORK_DB at a file in a folder this user can write"
# Set once the file is known to be ours, so a wrong file is left exactly as it was.
WAL = "PRAGMA journal_mode = WAL"  # readers never block the writer; a commit is one append
PRAGMAS = (
    "PRAGMA synchronous = NORMAL",  # with WAL: a commit survives a crash of the process
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",  # another process (goodwork db ...) may hold the write lock briefly
    "PRAGMA secure_delete = ON",  # deleted text is overwritten, not left in free pages
)


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist; warn if it is readable by others.

    Raises StoreFileError naming the path and the fix when the folder or the file cannot be used.
    """
    problem = access_problem(path)
    if problem is not None:
        raise StoreFileError(problem)
    if os.path.isdir(path):
        raise StoreFileError(f"cannot open database {str(path)!r}: it is a folder; point GOODWORK_DB at a file")
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreFileError(f"cannot create database {str(path)!r}: {exc.strerror or exc}") from None
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("database %s can be read by other users of this machine; chmod 600 it", path)


async def connect_reader(path: Path) -> aiosqlite.Connection:
    """A read-only aiosqlite connection with the same settings."""
    problem = access_problem(path)
    if problem is not None:  # said before aiosqlite starts a thread, which a failed connect leaves behind
        raise StoreFileError(problem)
    try:
        connection = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise _refused(path, exc, f"cannot open database {str(path)!r}") from None
    try:
        for pragma in PRAGMAS:
            await connection.execute(pragma)
        await connection.execute_fetchall("SELECT count(*) FROM sqlite_master")  # is this a database at all?
        await connection.execute("PRAGMA query_only = ON")
    except sqlite3.DatabaseError as exc:
        await connection.close()
        raise _refused(path, exc, f"cannot use {str(path)!r} as a database") from None
    return connection


def connect_sync(path: Path) -> sqlite3.Connection:
    """The same, as a plain connection for the writer's own thread, which has checked that it can write."""
    try:
        connection = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise _refused(path, exc, f"cannot open database {str(path)!r}") from None
    try:
        for pragma in PRAGMAS:
            connection.execute(pragma)
        connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
        connection.execute("BEGIN IMMEDIATE")  # the write lock: fails here, not in the first step, if it cannot write
        connection.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise _refused(path, exc, f"cannot use {str(path)!r} as a database") from None
    return connection


def access_problem(path: Path, kind: str = "database", elsewhere: str = ELSEWHERE) -> str | None:
    """Why this user cannot keep a database at ``path``, as one line with the fix; None if nothing is wrong.

    SQLite writes its journal (or ``-wal`` and ``-shm``) beside the database: the folder must be writable too.
    """
    cannot = f"cannot {'open' if os.path.exists(path) else 'create'} {kind} {str(path)!r}"
    folder = str(path.absolute().parent)
    if not os.path.isdir(folder):
        if os.path.exists(folder):
            return f"{cannot}: {folder!r} is not a folder; {elsewhere}"
        return f"{cannot}: folder {folder!r} does not exist; create it, or {elsewhere}"
    if _read_only(folder):
        return f"{cannot}: folder {folder!r} is on a read-only file system; {elsewhere} (systemd: ReadWritePaths=)"
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"{cannot}: folder {folder!r} is not writable by this user, and SQLite keeps its journal files beside "
            f"the database: let this user write there, or {elsewhere}"
        )
    if os.path.isfile(path) and not os.access(path, os.R_OK | os.W_OK):
        return f"{cannot}: the file is not readable and writable by this user: chown it to that user and chmod 600 it"
    return None


def _read_only(folder: str) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _refused(path: Path, exc: sqlite3.Error, message: str) -> StoreFileError:
    """SQLite could not open or write ``path``: the reason in the file system if there is one, else ``message``."""
    if exc.sqlite_errorname in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return StoreFileError(f"database {str(path)!r} is busy: another process held it for 5 s; try again")
    return StoreFileError(access_problem(path) or f"{message}: {exc}")


def backup(source: Path, target: Path) -> None:
    """Copy a live database with SQLite's online backup into a new private file, atomically."""
    if os.path.exists(target):
        raise StoreFileError(f"backup target {str(target)!r} already exists; choose a new file name")
    problem = access_problem(target, "backup", "choose a path in a folder this user can write")
    if problem is not None:
        raise StoreFileError(problem)
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


def remove(path: Path) -> None:
    """A SQLite file with its WAL and shared memory, those of them that are there."""
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        name.unlink(missing_ok=True)
