"""Export and erase one person, table by table, from the list of personal tables.

Both walk ``PERSONAL_TABLES``, so a table a later migration adds is covered
as soon as it is listed there (a test fails until every table is listed).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import aiosqlite

from bot.store.keys import Identity
from bot.store.sqlite_schema import PERSONAL_TABLES

EXPORT_FORMAT = "goodwork-export/1"
_HIDDEN = {"id", "contact", "person"}  # random row ids and the pseudonyms mean nothing to the person


async def export_rows(db: aiosqlite.Connection, who: Identity) -> dict[str, Any]:
    exported: dict[str, Any] = {"format": EXPORT_FORMAT}
    for table, (side, key) in PERSONAL_TABLES.items():
        cursor = await db.execute(f"SELECT * FROM {table} WHERE {key} = ?", (getattr(who, side),))
        names = [column[0] for column in cursor.description]
        exported[table] = [_readable(dict(zip(names, row, strict=True))) for row in await cursor.fetchall()]
    return exported


def _readable(row: dict[str, Any]) -> dict[str, Any]:
    shown = {name: value for name, value in row.items() if name not in _HIDDEN}
    if isinstance(shown.get("state"), str):
        shown["state"] = json.loads(shown["state"])
    return shown


def erase_rows(db: sqlite3.Connection, who: Identity) -> int:
    """Inside the caller's transaction; children before their parents, so the count is exact."""
    erased = 0
    for table, (side, key) in reversed(PERSONAL_TABLES.items()):
        cursor = db.execute(f"DELETE FROM {table} WHERE {key} = ?", (getattr(who, side),))
        erased += cursor.rowcount
    return erased
