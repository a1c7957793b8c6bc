"""Export and erase one person, table by table, from the list of personal tables; erasures kept on record.

Both walk ``PERSONAL_TABLES``, so a table a later migration adds is covered
as soon as it is listed there (a test fails until every table is listed).

An erasure is recorded under the person's erasure mark (a keyed hash of its
own purpose, see ``keys.py``) with a sequence number and the day, so that
``goodwork db restore`` can erase that person again in a backup taken before.
The /forget button carries a one-time code issued with the prompt: only that
code, before it expires, erases.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.store.keys import Identity, Keys, Pseudonym
from bot.store.protocol import Erasure
from bot.store.sqlite_courses import utc_text
from bot.store.sqlite_parts import SqliteParts
from bot.store.sqlite_schema import PERSONAL_TABLES

EXPORT_FORMAT = "goodwork-export/1"
_HIDDEN = {"id", "contact", "person", "chat", "forget_code", "forget_until"}  # nothing the person could read


class PrivacyQueries(SqliteParts):
    """Mixed into ``SqliteStore``: it provides ``_writer``, ``_reader``, ``_keys``, ``_rows`` and ``_now``."""

    async def export(self, who: Identity) -> dict[str, Any]:
        """Everything kept about one person, as JSON-ready data (what /mydata sends); the chat id unsealed."""
        exported: dict[str, Any] = {"format": EXPORT_FORMAT}
        for table, (side, key) in PERSONAL_TABLES.items():
            cursor = await self._reader.execute(f"SELECT * FROM {table} WHERE {key} = ?", (getattr(who, side),))
            names = [column[0] for column in cursor.description]
            exported[table] = [
                readable(dict(zip(names, row, strict=True)), who, self._keys) for row in await cursor.fetchall()
            ]
        return exported

    async def ask_to_forget(self, contact: Pseudonym, code: str, until: datetime) -> None:
        """Issue ``code`` for the confirmation button of a /forget prompt; a newer prompt replaces it."""
        values = (code, utc_text(until), contact)
        await self._writer.transaction(
            lambda db: db.execute("UPDATE participants SET forget_code = ?, forget_until = ? WHERE contact = ?", values)
        )

    async def erase(self, who: Identity, *, confirm: str | None = None, update: int | None = None) -> int | None:
        """Delete everything of one person in one transaction and record the erasure, then flush the WAL.

        With ``confirm`` (from the button), only the code the prompt issued, unexpired, erases; otherwise
        nothing changes and the answer is None. Returns the number of rows deleted.
        """
        now, day = utc_text(self._now()), self._now().date().isoformat()

        def work(db: sqlite3.Connection) -> int | None:
            if confirm is not None and not _confirmed(db, who.contact, confirm, now):
                return None
            return erase_rows(db, who, day)

        erased = await self._apply(update, work)
        if erased is not None:
            await self.checkpoint()
        return erased

    async def erasures(self, after: int = 0) -> list[Erasure]:
        """Erasures recorded after number ``after``, oldest first."""
        rows = await self._rows("SELECT number, mark, day FROM erasures WHERE number > ? ORDER BY number", [after])
        return [Erasure(number, mark, day) for number, mark, day in rows]

    async def erase_again(self, erasure: Erasure, who: Identity | None) -> int:
        """Apply an erasure made elsewhere (in the database a backup is restored over), keeping its record.

        ``who`` is None when the person has nothing here: only the record is kept.
        """
        record = (erasure.number, erasure.mark, erasure.day)

        def work(db: sqlite3.Connection) -> int:
            erased = erase_rows(db, who, None) if who is not None else 0
            db.execute("INSERT OR IGNORE INTO erasures (number, mark, day) VALUES (?, ?, ?)", record)
            return erased

        erased = await self._writer.transaction(work)
        await self.checkpoint()
        return erased

    async def contacts(self) -> list[tuple[Pseudonym, int]]:
        """Every contact with its unsealed chat id (for re-applying erasures; needs the secret)."""
        rows = await self._rows("SELECT contact, chat FROM participants")
        return [(Pseudonym(contact), self._keys.open_chat(sealed, Pseudonym(contact))) for contact, sealed in rows]


def readable(row: dict[str, Any], who: Identity, keys: Keys) -> dict[str, Any]:
    """One exported row as the person may read it: no pseudonyms or codes, the chat id unsealed, the state parsed."""
    shown = {name: value for name, value in row.items() if name not in _HIDDEN}
    if isinstance(row.get("chat"), bytes):
        shown = {"chat_id": keys.open_chat(row["chat"], who.contact), **shown}
    if isinstance(shown.get("state"), str):
        shown["state"] = json.loads(shown["state"])
    return shown


def erase_rows(db: sqlite3.Connection, who: Identity, day: str | None) -> int:
    """Inside the caller's transaction; children before their parents, so the count is exact.

    With ``day``, the erasure is recorded under the person's erasure mark.
    """
    erased = 0
    for table, (side, key) in reversed(PERSONAL_TABLES.items()):
        cursor = db.execute(f"DELETE FROM {table} WHERE {key} = ?", (getattr(who, side),))
        erased += cursor.rowcount
    if day is not None and who.erasure:
        db.execute("INSERT INTO erasures (mark, day) VALUES (?, ?)", (who.erasure, day))
    return erased


FORGET_CODE = "SELECT forget_code, forget_until FROM participants WHERE contact = {contact}"


def confirms(row: Sequence[Any] | None, code: str, now: str) -> bool:
    """Whether the /forget prompt's code and expiry (``FORGET_CODE``'s row) let ``code`` erase at ``now``."""
    return row is not None and row[0] is not None and row[0] == code and row[1] > now


def _confirmed(db: sqlite3.Connection, contact: Pseudonym, code: str, now: str) -> bool:
    return confirms(db.execute(FORGET_CODE.format(contact="?"), (contact,)).fetchone(), code, now)
