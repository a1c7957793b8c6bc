"""What the weekly rhythm reads and writes, for ``PostgresStore`` (as ``sqlite_cohort.py``): digests, tranche
members and their activity, and reflections shared for a Community of Practice."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from bot.dialogue.model import DialogueId, NodeId, OptionId
from bot.store.keys import Pseudonym
from bot.store.postgres_parts import PostgresParts, changed
from bot.store.protocol import Activity, ConversationDay, DigestDue, SharedReflection
from bot.store.sqlite_cohort import DIGEST_DUE
from bot.store.sqlite_courses import utc_text

_DUE = DIGEST_DUE.format(week="$1")


class CohortQueries(PostgresParts):
    async def digest_due(self, week: str) -> list[Pseudonym]:
        return [Pseudonym(contact) for (contact,) in await self._rows(_DUE, week)]

    async def queue_digests(self, week: str, due: Sequence[DigestDue]) -> int:
        """Each digest unless one for that contact, week and subject exists (instances queuing at once included)."""
        rows = [(secrets.randbits(62), item) for item in due]

        async def work(db: asyncpg.Connection) -> int:
            queued = 0
            for row_id, item in rows:
                kept = changed(
                    await db.execute(
                        "INSERT INTO digests (contact, week, subject) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                        item.contact,
                        week,
                        item.tranche or "",
                    )
                )
                if kept:
                    await db.execute(
                        "INSERT INTO outbox (id, contact, tranche, kind, dialogue, due, status, week) "
                        "VALUES ($1, $2, $3, $4, '', $5, 'pending', $6)",
                        row_id,
                        item.contact,
                        item.tranche,
                        "tranche-digest" if item.tranche else "digest",
                        utc_text(item.due),
                        week,
                    )
                queued += kept
            return queued

        return await self._transaction(work)

    async def tranche_trainers(self, code: str) -> list[Pseudonym]:
        rows = await self._rows("SELECT contact FROM tranche_trainers WHERE tranche = $1 ORDER BY contact", code)
        return [Pseudonym(contact) for (contact,) in rows]

    async def trainer_contacts(self) -> list[Pseudonym]:
        return [Pseudonym(contact) for (contact,) in await self._rows("SELECT contact FROM trainers ORDER BY contact")]

    async def members(self, code: str) -> list[Pseudonym]:
        rows = await self._rows("SELECT contact FROM enrolments WHERE tranche = $1 ORDER BY contact", code)
        return [Pseudonym(contact) for (contact,) in rows]

    async def followups_sent(self, code: str | None = None) -> list[tuple[str, DialogueId, date, int]]:
        rows = await self._rows(
            "SELECT tranche, dialogue, substr(due, 1, 10) AS day, count(*) FROM outbox "
            "WHERE kind = 'followup' AND status = 'sent' AND ($1::text IS NULL OR tranche = $1) "
            "GROUP BY tranche, dialogue, day",
            code,
        )
        return [(tranche, DialogueId(d), date.fromisoformat(day), count) for tranche, d, day, count in rows]

    async def enrolments(self) -> list[tuple[Pseudonym, str]]:
        rows = await self._rows("SELECT contact, tranche FROM enrolments ORDER BY tranche, contact")
        return [(Pseudonym(contact), tranche) for contact, tranche in rows]

    async def activity(self, persons: Sequence[Pseudonym]) -> Activity:
        wanted = list(persons)
        choices = await self._of(wanted, "SELECT person, dialogue, node, option, day FROM choices")
        reflections = await self._of(wanted, "SELECT person, dialogue, node, shared, day FROM reflections")
        return Activity(
            await self.conversation_days(wanted),
            [(Pseudonym(p), DialogueId(d), NodeId(n), OptionId(o), date.fromisoformat(y)) for p, d, n, o, y in choices],
            [(Pseudonym(p), DialogueId(d), NodeId(n), bool(s), date.fromisoformat(y)) for p, d, n, s, y in reflections],
        )

    async def conversation_days(self, persons: Sequence[Pseudonym]) -> list[ConversationDay]:
        rows = await self._of(list(persons), "SELECT person, dialogue, done, day FROM conversations")
        return [(p, d, bool(done), date.fromisoformat(day)) for p, d, done, day in rows]

    async def share(
        self, person: Pseudonym, dialogue: DialogueId, node: NodeId, shared: bool, update: int | None = None
    ) -> bool:
        setting = "UPDATE reflections SET shared = $1 WHERE person = $2 AND dialogue = $3 AND node = $4"

        async def work(db: asyncpg.Connection) -> bool:
            return changed(await db.execute(setting, int(shared), person, dialogue, node)) == 1

        return await self._apply(update, work)

    async def shared(self, persons: Sequence[Pseudonym]) -> list[SharedReflection]:
        rows = await self._of(
            list(persons), "SELECT person, dialogue, version, node, language, text, day FROM reflections", "shared = 1"
        )
        return [
            SharedReflection(Pseudonym(p), DialogueId(d), v, NodeId(n), lang, text, date.fromisoformat(day))
            for p, d, v, n, lang, text, day in rows
        ]

    async def _of(self, persons: list[Pseudonym], select: str, where: str = "true") -> list[Any]:
        """``select`` for these persons, in one query (an array parameter has no limit on its length)."""
        return await self._rows(f"{select} WHERE {where} AND person = ANY($1::text[])", persons)
