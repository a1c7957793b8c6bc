"""Course tranches, enrolments and the durable outbox, for ``SqliteStore``.

Outbox rows move pending -> sending -> sent (or back to pending with a later
due time, or failed, or cancelled, or stopped: held by /stop, and pending again
after /resume if they are still ahead). A row claimed for sending is marked
``sending`` in the same transaction, so a crash leaves it there; at start-up
``recover_sending`` puts such rows back as pending and counts them as of
unknown outcome (they may have reached Telegram). Once sent, a row loses its
recipient and keeps only the day it went out.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from bot.dialogue.model import DialogueId
from bot.store.errors import TrancheError
from bot.store.keys import Pseudonym, fresh_code
from bot.store.protocol import Planned, Queued, Tranche
from bot.store.sqlite_parts import SqliteParts


class CourseQueries(SqliteParts):
    """Mixed into ``SqliteStore``: it provides ``_writer``, ``_rows`` and ``_now``."""

    async def open_tranche(
        self,
        course: str,
        name: str,
        day: date,
        opened_by: str,
        *,
        update: int | None = None,
        trainer: Pseudonym | None = None,
    ) -> Tranche:
        """A new tranche with a fresh join code (an existing course and name is refused by the unique key);
        ``trainer`` (a contact) follows it and gets its weekly summary."""
        code, at = fresh_code(), self._now().isoformat(timespec="seconds")
        row = (code, course, name, day.isoformat(), opened_by, at)

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO tranches (code, course, name, day, opened_by, opened_at) VALUES (?, ?, ?, ?, ?, ?)", row
            )
            if trainer is not None:
                db.execute("INSERT INTO tranche_trainers (tranche, contact) VALUES (?, ?)", (code, trainer))

        try:
            await self._apply(update, work)
        except sqlite3.IntegrityError:
            raise TrancheError(f"course {course!r} already has a tranche named {name!r}; choose another name") from None
        return Tranche(code, course, name, day, opened_by)

    async def tranche(self, code: str) -> Tranche | None:
        found = await self._tranches("WHERE code = ?", [code])
        return found[0] if found else None

    async def tranches(self, course: str | None = None) -> list[Tranche]:
        return await self._tranches("WHERE course = ?" if course else "", [course] if course else [])

    async def _tranches(self, where: str, parameters: list[Any]) -> list[Tranche]:
        rows = await self._rows(
            f"SELECT code, course, name, day, opened_by, closed, enrolled FROM tranches {where} ORDER BY day, name",
            parameters,
        )
        return [Tranche(c, co, n, date.fromisoformat(d), by, bool(cl), e) for c, co, n, d, by, cl, e in rows]

    async def close_tranche(self, code: str, update: int | None = None) -> bool:
        closing = "UPDATE tranches SET closed = 1 WHERE code = ? AND closed = 0"
        return await self._apply(update, lambda db: db.execute(closing, (code,)).rowcount == 1)

    async def enrol(
        self,
        contact: Pseudonym,
        code: str,
        plan: Sequence[Planned],
        language: str | None = None,
        update: int | None = None,
    ) -> bool:
        """Enrol ``contact`` in an open tranche and queue its plan, in one transaction; False if already enrolled.

        ``language``, when the contact has none yet, becomes theirs (the follow-ups are written in it).
        """
        rows = [(secrets.randbits(62), planned) for planned in plan]
        return await self._apply(update, lambda db: _enrol(db, contact, code, rows, language))

    async def claim_due(self, now: datetime, limit: int) -> list[Queued]:
        """Up to ``limit`` pending rows due by ``now``, marked as being sent."""
        return await self._writer.transaction(lambda db: _claim_due(db, utc_text(now), limit))

    async def mark_sent(self, rows: Sequence[int]) -> None:
        """Delivered, all in one transaction: each row forgets its recipient and keeps only the day."""
        ids = [(row,) for row in rows]
        await self._writer.transaction(
            lambda db: db.executemany(
                "UPDATE outbox SET status = 'sent', contact = NULL, due = substr(due, 1, 10), error = NULL "
                "WHERE id = ?",
                ids,
            )
        )

    async def mark_retry(
        self, row: int, when: datetime, error: str, unknown: bool = False, counted: bool = True
    ) -> None:
        """Back to pending, due at ``when``, unless cancelled meanwhile. ``unknown`` counts a send whose outcome
        could not be known; ``counted`` False (Telegram only asked to wait) gives the claim's attempt back."""
        await self._writer.transaction(
            lambda db: db.execute(
                "UPDATE outbox SET status = 'pending', due = ?, error = ?, unknown = unknown + ?, "
                "attempts = attempts - ? WHERE id = ? AND status = 'sending'",
                (utc_text(when), error, int(unknown), int(not counted), row),
            )
        )

    async def mark_failed(self, row: int, error: str) -> None:
        """Parked: not sent again (a row cancelled meanwhile stays cancelled)."""
        await self._writer.transaction(
            lambda db: db.execute(
                "UPDATE outbox SET status = 'failed', error = ? WHERE id = ? AND status = 'sending'", (error, row)
            )
        )

    async def mark_skipped(self, row: int) -> None:
        """Not needed any more (a reminder for a follow-up that was answered): done, and no one's."""
        await self._writer.transaction(
            lambda db: db.execute(
                "UPDATE outbox SET status = 'skipped', contact = NULL, due = substr(due, 1, 10) "
                "WHERE id = ? AND status = 'sending'",
                (row,),
            )
        )

    async def queue(self, contact: Pseudonym, tranche: str | None, planned: Planned) -> None:
        """One more pending row for ``contact`` (a reminder, for instance)."""
        row = (secrets.randbits(62), contact, tranche, planned.kind, planned.dialogue, utc_text(planned.due))
        await self._writer.transaction(
            lambda db: db.execute(
                "INSERT INTO outbox (id, contact, tranche, kind, dialogue, due, status) "
                "VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                row,
            )
        )

    async def cancel_pending(self, contact: Pseudonym) -> int:
        """/stop, or a person who blocked the bot: nothing more goes out to them."""
        cancel = "UPDATE outbox SET status = 'cancelled' WHERE contact = ? AND status IN ('pending', 'sending')"
        return await self._writer.transaction(lambda db: db.execute(cancel, (contact,)).rowcount)

    async def pending(self, contact: Pseudonym) -> list[tuple[int, datetime]]:
        """The pending rows of ``contact``: (id, due), soonest first."""
        rows = await self._rows(
            "SELECT id, due FROM outbox WHERE contact = ? AND status = 'pending' ORDER BY due, id", [contact]
        )
        return [(row_id, datetime.fromisoformat(due)) for row_id, due in rows]

    async def move_pending(
        self, contact: Pseudonym, moves: Sequence[tuple[int, datetime]], update: int | None = None
    ) -> int:
        """Give rows of ``contact`` that are still pending a new due time (/pause, a reminder's back-off)."""
        values = [(utc_text(due), row_id, contact) for row_id, due in moves]
        moving = "UPDATE outbox SET due = ? WHERE id = ? AND contact = ? AND status = 'pending'"
        return await self._apply(update, lambda db: sum(db.execute(moving, row).rowcount for row in values))

    async def stop(self, contact: Pseudonym, update: int | None = None) -> int:
        """/stop: the contact is paused and what is queued for them is held (``stopped``) until /resume."""

        def work(db: sqlite3.Connection) -> int:
            db.execute("UPDATE participants SET paused = 1 WHERE contact = ?", (contact,))
            holding = "UPDATE outbox SET status = 'stopped' WHERE contact = ? AND status IN ('pending', 'sending')"
            return db.execute(holding, (contact,)).rowcount

        return await self._apply(update, work)

    async def resume(self, contact: Pseudonym, now: datetime, update: int | None = None) -> int:
        """/resume: unpaused; held rows still ahead are pending again (those whose time passed are cancelled)."""
        moment = utc_text(now)

        def work(db: sqlite3.Connection) -> int:
            db.execute("UPDATE participants SET paused = 0 WHERE contact = ?", (contact,))
            ahead = "UPDATE outbox SET status = 'pending' WHERE contact = ? AND status = 'stopped' AND due > ?"
            restored = db.execute(ahead, (contact, moment)).rowcount
            db.execute("UPDATE outbox SET status = 'cancelled' WHERE contact = ? AND status = 'stopped'", (contact,))
            return restored

        return await self._apply(update, work)

    async def recover_sending(self) -> int:
        """After a crash: rows left mid-send go back to pending, counted as of unknown outcome."""
        recover = "UPDATE outbox SET status = 'pending', unknown = unknown + 1 WHERE status = 'sending'"
        return await self._writer.transaction(lambda db: db.execute(recover).rowcount)

    async def outbox_status(self) -> dict[str, int]:
        """Rows per status, plus ``unknown``: sends whose outcome was unknown and that were sent again."""
        rows = await self._rows("SELECT status, count(*), sum(unknown) FROM outbox GROUP BY status")
        counts = {status: count for status, count, _ in rows}
        counts["unknown"] = sum(unknown or 0 for _, _, unknown in rows)
        return counts


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _enrol(
    db: sqlite3.Connection, contact: Pseudonym, code: str, rows: list[tuple[int, Planned]], language: str | None
) -> bool:
    open_ = db.execute("SELECT 1 FROM tranches WHERE code = ? AND closed = 0", (code,)).fetchone()
    if open_ is None:
        raise TrancheError("that course link is closed or unknown")
    if language is not None:
        db.execute("UPDATE participants SET language = ? WHERE contact = ? AND language IS NULL", (language, contact))
    inserted = db.execute(
        "INSERT INTO enrolments (contact, tranche) VALUES (?, ?) ON CONFLICT DO NOTHING", (contact, code)
    ).rowcount
    if not inserted:
        return False
    db.execute("UPDATE tranches SET enrolled = enrolled + 1 WHERE code = ?", (code,))
    db.executemany(
        "INSERT INTO outbox (id, contact, tranche, kind, dialogue, due, status) VALUES (?, ?, ?, ?, ?, ?, 'pending')",
        [(row_id, contact, code, p.kind, p.dialogue, utc_text(p.due)) for row_id, p in rows],
    )
    return True


def _claim_due(db: sqlite3.Connection, now: str, limit: int) -> list[Queued]:
    rows = db.execute(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id IN ("
        "SELECT id FROM outbox WHERE status = 'pending' AND due <= ? ORDER BY due LIMIT ?) "
        "RETURNING id, contact, kind, dialogue, due, attempts, tranche, week",
        (now, limit),
    ).fetchall()
    queued = [
        Queued(i, Pseudonym(c), k, DialogueId(d), datetime.fromisoformat(due), a, t, w)
        for i, c, k, d, due, a, t, w in rows
    ]
    return sorted(queued, key=lambda q: (q.due, q.id))
