"""Restoring a backup without bringing back anyone who asked to be forgotten since it was taken.

A backup holds whatever was in the database when it was taken, erased people
included if they were erased later. Each erasure is recorded (under a keyed
hash of its own, with a sequence number; see ``sqlite_privacy.py``), so
restoring reads the records of the database being replaced, and in the
restored copy erases again everyone erased after the backup's newest record.
The person is found by unsealing each contact's chat id with the secret.

On PostgreSQL (``restore_into``) the backup, a SQLite file that ``goodwork db
backup`` wrote, replaces the rows of the database in place: what it held is
first copied aside into a SQLite file beside the backup, then emptied, then
filled from the backup, and the erasures made since are applied again. Every
instance must be stopped: one still connected is named and the restore refused.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from bot.store import sqlite_files
from bot.store.copy import COPIED, copy_into_file, copy_store
from bot.store.errors import StoreError, StoreFileError
from bot.store.keys import Keys, Pseudonym
from bot.store.protocol import Erasure, Store
from bot.store.sqlite import Clock, SqliteStore

if TYPE_CHECKING:
    from bot.store.postgres import PostgresStore


@dataclass(frozen=True, slots=True)
class Restored:
    """What restoring did: erasures applied again, people erased, and where the replaced database went."""

    erasures: int
    people: int
    replaced: Path | None


async def restore(backup: Path, target: Path, keys: Keys, *, clock: Clock, tz: tzinfo) -> Restored:
    """Put a copy of ``backup`` in place of ``target``, erasing again whoever ``target`` erased since."""
    if not backup.is_file():
        raise StoreFileError(f"no backup at {str(backup)!r}")
    made_since = await _erasures(target, keys, clock, tz) if target.exists() else []
    partial = target.with_name(f".{target.name}.restoring")
    sqlite_files.remove(partial)
    await asyncio.to_thread(sqlite_files.backup, backup, partial)
    try:
        applied, people = await _erase_again(partial, made_since, keys, clock, tz)
        replaced = _set_aside(target, clock().astimezone(tz)) if target.exists() else None
        os.replace(partial, target)
    finally:
        sqlite_files.remove(partial)
    return Restored(applied, people, replaced)


async def restore_into(store: PostgresStore, backup: Path, keys: Keys, *, now: datetime) -> Restored:
    """Put ``backup``'s rows in place of ``store``'s, erasing again whoever ``store`` erased since."""
    if not backup.is_file():
        raise StoreFileError(f"no backup at {str(backup)!r}")
    others = await store.other_instances()
    if others:
        raise StoreError(f"stop every instance before restoring: {', '.join(others)} still connected")
    async with await SqliteStore.open(backup, keys=keys, migrate=False) as source:
        if (await source.status()).pending:
            raise StoreError(f"{backup} is from an older goodwork: upgrade a copy of it first (goodwork db upgrade)")
        made_since = await store.erasures()
        aside = backup.with_name(f"replaced-{now:%Y%m%d-%H%M%S}.sqlite3")
        await copy_into_file(store, aside, keys)
        await store.clear_rows(COPIED)
        await copy_store(source, store)
    applied, people = await erase_again_since(store, made_since, keys)
    return Restored(applied, people, aside)


async def erase_again_since(store: Store, made_since: list[Erasure], keys: Keys) -> tuple[int, int]:
    """In ``store`` (just restored), erase again those of ``made_since`` newer than its own newest erasure:
    how many erasures that was, and how many of them found someone here."""
    newest = max((erasure.number for erasure in await store.erasures()), default=0)
    later = [erasure for erasure in made_since if erasure.number > newest]
    people = {keys.telegram(chat).erasure: keys.telegram(chat) for _, chat in await store.contacts()}
    for erasure in later:
        await store.erase_again(erasure, people.get(Pseudonym(erasure.mark)))
    return len(later), sum(Pseudonym(erasure.mark) in people for erasure in later)


async def _erasures(path: Path, keys: Keys, clock: Clock, tz: tzinfo) -> list[Erasure]:
    """The erasures recorded in the database to be replaced, which must not be in use."""
    async with await SqliteStore.open(path, keys=keys, clock=clock, tz=tz) as current:
        recorded = await current.erasures()
    if path.with_name(path.name + "-wal").exists():  # the last connection to close removes it: someone else has one
        raise StoreFileError(f"{str(path)!r} is in use by another process: stop the bot before restoring")
    return recorded


async def _erase_again(path: Path, made_since: list[Erasure], keys: Keys, clock: Clock, tz: tzinfo) -> tuple[int, int]:
    async with await SqliteStore.open(path, keys=keys, clock=clock, tz=tz) as restored:
        return await erase_again_since(restored, made_since, keys)


def _set_aside(target: Path, now: datetime) -> Path:
    """The replaced database (checkpointed and closed by now), renamed beside it rather than deleted."""
    aside = target.with_name(f"{target.name}.replaced-{now:%Y%m%d-%H%M%S}")
    os.replace(target, aside)
    for suffix in ("-wal", "-shm"):
        sqlite_files.remove(target.with_name(target.name + suffix))
    return aside
