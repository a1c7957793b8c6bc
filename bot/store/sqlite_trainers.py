"""Trainers invited by a one-time link, for ``SqliteStore``.

A trainer is kept by contact pseudonym, like any participant's contact; an
invitation is an unguessable code that works once, before it expires.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from bot.store.keys import Pseudonym, fresh_code
from bot.store.sqlite_parts import SqliteParts


class TrainerQueries(SqliteParts):
    """Mixed into ``SqliteStore``: it provides ``_writer``, ``_rows`` and ``_now``."""

    async def invite_trainer(self, expires: datetime, created_by: str) -> str:
        code = fresh_code()
        row = (code, expires.astimezone(UTC).isoformat(timespec="seconds"), created_by)
        await self._writer.transaction(
            lambda db: db.execute("INSERT INTO invitations (code, expires, created_by) VALUES (?, ?, ?)", row)
        )
        return code

    async def redeem_invitation(self, code: str, contact: Pseudonym, update: int | None = None) -> bool:
        """Make ``contact`` a trainer if ``code`` is unused and unexpired; the code is used up either way it works."""
        now = self._now().astimezone(UTC).isoformat(timespec="seconds")
        return await self._apply(update, lambda db: _redeem(db, code, contact, now))

    async def is_trainer(self, contact: Pseudonym) -> bool:
        return bool(await self._rows("SELECT 1 FROM trainers WHERE contact = ?", [contact]))

    async def revoke_trainer(self, contact: Pseudonym) -> bool:
        revoking = "DELETE FROM trainers WHERE contact = ?"
        return await self._writer.transaction(lambda db: db.execute(revoking, (contact,)).rowcount == 1)

    async def trainer_count(self) -> int:
        return int((await self._rows("SELECT count(*) FROM trainers"))[0][0])


def _redeem(db: sqlite3.Connection, code: str, contact: Pseudonym, now: str) -> bool:
    used = db.execute(
        "UPDATE invitations SET used = 1 WHERE code = ? AND used = 0 AND expires > ?", (code, now)
    ).rowcount
    if used != 1:
        return False
    db.execute("INSERT INTO trainers (contact, since) VALUES (?, ?) ON CONFLICT DO NOTHING", (contact, now[:10]))
    return True
