"""Course tranches, enrolments, the durable outbox and trainers' invitations, for ``PostgresStore``.

The same rows and states as SQLite's (``sqlite_courses.py``, ``sqlite_trainers.py``);
what differs is how several instances share them: due rows are claimed with
``FOR UPDATE SKIP LOCKED`` (two claims at once never get the same row), and
``recover_sending`` is called only by the instance that has just taken the turn
to send (``take_sending``), so it never takes back rows another is sending.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from bot.dialogue.model import DialogueId
from bot.store.errors import TrancheError
from bot.store.keys import Pseudonym, fresh_code
from bot.store.postgres_parts import PostgresParts, changed
from bot.store.protocol import Planned, Queued, Tranche
from bot.store.sqlite_courses import utc_text

_QUEUE = (
    "INSERT INTO outbox (id, contact, tranche, kind, dialogue, due, status) VALUES ($1, $2, $3, $4, $5, $6, 'pending')"
)


class CourseQueries(PostgresParts):
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
        code, at = fresh_code(), self._now().isoformat(timespec="seconds")

        async def work(db: asyncpg.Connection) -> None:
            await db.execute(
                "INSERT INTO tranches (code, course, name, day, opened_by, opened_at) VALUES ($1, $2, $3, $4, $5, $6)",
                code,
                course,
                name,
                day.isoformat(),
                opened_by,
                at,
            )
            if trainer is not None:
                await db.execute("INSERT INTO tranche_trainers (tranche, contact) VALUES ($1, $2)", code, trainer)

        try:
            await self._apply(update, work)
        except asyncpg.UniqueViolationError:
            raise TrancheError(f"course {course!r} already has a tranche named {name!r}; choose another name") from None
        return Tranche(code, course, name, day, opened_by)

    async def tranche(self, code: str) -> Tranche | None:
        found = await self._tranches(code)
        return found[0] if found else None

    async def tranches(self, course: str | None = None) -> list[Tranche]:
        return await self._tranches(None, course)

    async def _tranches(self, code: str | None, course: str | None = None) -> list[Tranche]:
        rows = await self._rows(
            "SELECT code, course, name, day, opened_by, closed, enrolled FROM tranches "
            "WHERE ($1::text IS NULL OR code = $1) AND ($2::text IS NULL OR course = $2) ORDER BY day, name",
            code,
            course or None,
        )
        return [Tranche(c, co, n, date.fromisoformat(d), by, bool(cl), e) for c, co, n, d, by, cl, e in rows]

    async def close_tranche(self, code: str, update: int | None = None) -> bool:
        async def work(db: asyncpg.Connection) -> bool:
            return changed(await db.execute("UPDATE tranches SET closed = 1 WHERE code = $1 AND closed = 0", code)) == 1

        return await self._apply(update, work)

    async def enrol(
        self,
        contact: Pseudonym,
        code: str,
        plan: Sequence[Planned],
        language: str | None = None,
        update: int | None = None,
    ) -> bool:
        rows = [(secrets.randbits(62), contact, code, p.kind, p.dialogue, utc_text(p.due)) for p in plan]

        async def work(db: asyncpg.Connection) -> bool:
            if not await db.fetchval("SELECT true FROM tranches WHERE code = $1 AND closed = 0", code):
                raise TrancheError("that course link is closed or unknown")
            if language is not None:
                await db.execute(
                    "UPDATE participants SET language = $1 WHERE contact = $2 AND language IS NULL", language, contact
                )
            enrolling = "INSERT INTO enrolments (contact, tranche) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            if not changed(await db.execute(enrolling, contact, code)):
                return False
            await db.execute("UPDATE tranches SET enrolled = enrolled + 1 WHERE code = $1", code)
            await db.executemany(_QUEUE, rows)
            return True

        return await self._apply(update, work)

    async def claim_due(self, now: datetime, limit: int) -> list[Queued]:
        """Up to ``limit`` pending rows due by ``now``, marked as being sent; rows another claim holds are skipped."""
        rows = await self._rows(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id IN ("
            "SELECT id FROM outbox WHERE status = 'pending' AND due <= $1 ORDER BY due LIMIT $2 "
            "FOR UPDATE SKIP LOCKED) "
            "RETURNING id, contact, kind, dialogue, due, attempts, tranche, week",
            utc_text(now),
            limit,
        )
        queued = [
            Queued(i, Pseudonym(c), k, DialogueId(d), datetime.fromisoformat(due), a, t, w)
            for i, c, k, d, due, a, t, w in rows
        ]
        return sorted(queued, key=lambda q: (q.due, q.id))

    async def mark_sent(self, rows: Sequence[int]) -> None:
        await self._pool.execute(
            "UPDATE outbox SET status = 'sent', contact = NULL, due = substr(due, 1, 10), error = NULL "
            "WHERE id = ANY($1::bigint[])",
            list(rows),
        )

    async def mark_retry(
        self, row: int, when: datetime, error: str, unknown: bool = False, counted: bool = True
    ) -> None:
        await self._pool.execute(
            "UPDATE outbox SET status = 'pending', due = $1, error = $2, unknown = unknown + $3, "
            "attempts = attempts - $4 WHERE id = $5 AND status = 'sending'",
            utc_text(when),
            error,
            int(unknown),
            int(not counted),
            row,
        )

    async def mark_failed(self, row: int, error: str) -> None:
        await self._pool.execute(
            "UPDATE outbox SET status = 'failed', error = $1 WHERE id = $2 AND status = 'sending'", error, row
        )

    async def mark_skipped(self, row: int) -> None:
        await self._pool.execute(
            "UPDATE outbox SET status = 'skipped', contact = NULL, due = substr(due, 1, 10) "
            "WHERE id = $1 AND status = 'sending'",
            row,
        )

    async def queue(self, contact: Pseudonym, tranche: str | None, planned: Planned) -> None:
        due = utc_text(planned.due)
        await self._pool.execute(_QUEUE, secrets.randbits(62), contact, tranche, planned.kind, planned.dialogue, due)

    async def cancel_pending(self, contact: Pseudonym) -> int:
        cancel = "UPDATE outbox SET status = 'cancelled' WHERE contact = $1 AND status IN ('pending', 'sending')"
        return changed(await self._pool.execute(cancel, contact))

    async def pending(self, contact: Pseudonym) -> list[tuple[int, datetime]]:
        rows = await self._rows(
            "SELECT id, due FROM outbox WHERE contact = $1 AND status = 'pending' ORDER BY due, id", contact
        )
        return [(row_id, datetime.fromisoformat(due)) for row_id, due in rows]

    async def move_pending(
        self, contact: Pseudonym, moves: Sequence[tuple[int, datetime]], update: int | None = None
    ) -> int:
        moving = "UPDATE outbox SET due = $1 WHERE id = $2 AND contact = $3 AND status = 'pending'"

        async def work(db: asyncpg.Connection) -> int:
            return sum([changed(await db.execute(moving, utc_text(due), row_id, contact)) for row_id, due in moves])

        return await self._apply(update, work)

    async def stop(self, contact: Pseudonym, update: int | None = None) -> int:
        async def work(db: asyncpg.Connection) -> int:
            await db.execute("UPDATE participants SET paused = 1 WHERE contact = $1", contact)
            holding = "UPDATE outbox SET status = 'stopped' WHERE contact = $1 AND status IN ('pending', 'sending')"
            return changed(await db.execute(holding, contact))

        return await self._apply(update, work)

    async def resume(self, contact: Pseudonym, now: datetime, update: int | None = None) -> int:
        moment = utc_text(now)

        async def work(db: asyncpg.Connection) -> int:
            await db.execute("UPDATE participants SET paused = 0 WHERE contact = $1", contact)
            ahead = "UPDATE outbox SET status = 'pending' WHERE contact = $1 AND status = 'stopped' AND due > $2"
            restored = changed(await db.execute(ahead, contact, moment))
            await db.execute(
                "UPDATE outbox SET status = 'cancelled' WHERE contact = $1 AND status = 'stopped'", contact
            )
            return restored

        return await self._apply(update, work)

    async def recover_sending(self) -> int:
        """Rows left mid-send by a sender that stopped go back to pending, counted as of unknown outcome."""
        recover = "UPDATE outbox SET status = 'pending', unknown = unknown + 1 WHERE status = 'sending'"
        return changed(await self._pool.execute(recover))

    async def outbox_status(self) -> dict[str, int]:
        rows = await self._rows("SELECT status, count(*), sum(unknown) FROM outbox GROUP BY status")
        counts = {status: count for status, count, _ in rows}
        counts["unknown"] = sum(unknown or 0 for _, _, unknown in rows)
        return counts

    # --- trainers invited by link ----------------------------------------------

    async def invite_trainer(self, expires: datetime, created_by: str) -> str:
        code = fresh_code()
        await self._pool.execute(
            "INSERT INTO invitations (code, expires, created_by) VALUES ($1, $2, $3)",
            code,
            utc_text(expires),
            created_by,
        )
        return code

    async def redeem_invitation(self, code: str, contact: Pseudonym, update: int | None = None) -> bool:
        now = utc_text(self._now())

        async def work(db: asyncpg.Connection) -> bool:
            using = "UPDATE invitations SET used = 1 WHERE code = $1 AND used = 0 AND expires > $2"
            if changed(await db.execute(using, code, now)) != 1:
                return False
            await db.execute(
                "INSERT INTO trainers (contact, since) VALUES ($1, $2) ON CONFLICT DO NOTHING", contact, now[:10]
            )
            return True

        return await self._apply(update, work)

    async def is_trainer(self, contact: Pseudonym) -> bool:
        return bool(await self._pool.fetchval("SELECT true FROM trainers WHERE contact = $1", contact))

    async def revoke_trainer(self, contact: Pseudonym) -> bool:
        return changed(await self._pool.execute("DELETE FROM trainers WHERE contact = $1", contact)) == 1

    async def trainer_count(self) -> int:
        return int(await self._pool.fetchval("SELECT count(*) FROM trainers"))
