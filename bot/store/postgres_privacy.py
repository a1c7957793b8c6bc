"""Export and erase one person, for ``PostgresStore``: the same walk over ``PERSONAL_TABLES`` as SQLite's
(``sqlite_privacy.py``), the same erasure records.

After an erasure (and after retention) the personal tables are vacuumed, so the
deleted rows' space is reclaimed rather than left for autovacuum to find; the
server's own write-ahead log and base backups are the operator's to protect
(the guide says how), as SQLite's backups are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from bot.store.keys import Identity, Pseudonym
from bot.store.postgres_parts import PostgresParts, changed
from bot.store.protocol import Erasure
from bot.store.sqlite_courses import utc_text
from bot.store.sqlite_privacy import EXPORT_FORMAT, FORGET_CODE, confirms, readable
from bot.store.sqlite_schema import PERSONAL_TABLES


class PrivacyQueries(PostgresParts):
    async def export(self, who: Identity) -> dict[str, Any]:
        exported: dict[str, Any] = {"format": EXPORT_FORMAT}
        async with self._pool.acquire() as db, db.transaction(readonly=True, isolation="repeatable_read"):
            for table, (side, key) in PERSONAL_TABLES.items():
                rows = await db.fetch(f"SELECT * FROM {table} WHERE {key} = $1", getattr(who, side))
                exported[table] = [readable(dict(row), who, self._keys) for row in rows]
        return exported

    async def ask_to_forget(self, contact: Pseudonym, code: str, until: datetime) -> None:
        await self._pool.execute(
            "UPDATE participants SET forget_code = $1, forget_until = $2 WHERE contact = $3",
            code,
            utc_text(until),
            contact,
        )

    async def erase(self, who: Identity, *, confirm: str | None = None, update: int | None = None) -> int | None:
        now, day = utc_text(self._now()), self._today()

        async def work(db: asyncpg.Connection) -> int | None:
            if confirm is not None:
                row = await db.fetchrow(FORGET_CODE.format(contact="$1"), who.contact)
                if not confirms(row, confirm, now):
                    return None
            return await erase_rows(db, who, day)

        erased = await self._apply(update, work)
        if erased is not None:
            await self.vacuum()
        return erased

    async def erasures(self, after: int = 0) -> list[Erasure]:
        rows = await self._rows("SELECT number, mark, day FROM erasures WHERE number > $1 ORDER BY number", after)
        return [Erasure(number, mark, day) for number, mark, day in rows]

    async def erase_again(self, erasure: Erasure, who: Identity | None) -> int:
        async def work(db: asyncpg.Connection) -> int:
            erased = await erase_rows(db, who, None) if who is not None else 0
            await db.execute(
                "INSERT INTO erasures (number, mark, day) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                erasure.number,
                erasure.mark,
                erasure.day,
            )
            await follow_numbers(db)
            return erased

        erased = await self._transaction(work)
        await self.vacuum()
        return erased

    async def contacts(self) -> list[tuple[Pseudonym, int]]:
        rows = await self._rows("SELECT contact, chat FROM participants")
        return [(Pseudonym(contact), self._keys.open_chat(sealed, Pseudonym(contact))) for contact, sealed in rows]


async def erase_rows(db: asyncpg.Connection, who: Identity, day: str | None) -> int:
    """As ``sqlite_privacy.erase_rows``: children before their parents; with ``day``, the erasure recorded."""
    erased = 0
    for table, (side, key) in reversed(PERSONAL_TABLES.items()):
        erased += changed(await db.execute(f"DELETE FROM {table} WHERE {key} = $1", getattr(who, side)))
    if day is not None and who.erasure:
        await db.execute("INSERT INTO erasures (mark, day) VALUES ($1, $2)", who.erasure, day)
    return erased


async def follow_numbers(db: asyncpg.Connection) -> None:
    """After erasures were written with their own numbers: the next one recorded here is numbered after them."""
    await db.execute(
        "SELECT setval(pg_get_serial_sequence('erasures', 'number'), coalesce(max(number), 0) + 1, false) FROM erasures"
    )
