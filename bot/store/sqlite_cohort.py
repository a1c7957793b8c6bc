"""What the weekly rhythm reads and writes, for ``SqliteStore``: digests, tranche members and their activity,
and reflections shared for a Community of Practice.

The two sides never meet here: a tranche's members are contacts, activity and shared reflections belong to
persons, and only the caller, holding the secret, turns one into the other (in memory, never stored).
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.dialogue.model import DialogueId, NodeId, OptionId
from bot.store.keys import Pseudonym
from bot.store.protocol import Activity, ConversationDay, DigestDue, SharedReflection
from bot.store.sqlite_courses import utc_text
from bot.store.sqlite_parts import SqliteParts

# Who gets a digest in a week ({week}: the driver's placeholder for it; PostgreSQL's store reads it too).
DIGEST_DUE = (
    "SELECT contact FROM participants WHERE language IS NOT NULL AND active = 1 AND paused = 0 AND digest = 1 "
    "AND NOT EXISTS (SELECT 1 FROM digests WHERE digests.contact = participants.contact "
    "AND digests.week = {week} AND digests.subject = '') ORDER BY contact"
)
_DUE = DIGEST_DUE.format(week="?")


class CohortQueries(SqliteParts):
    """Mixed into ``SqliteStore``: it provides ``_writer``, ``_rows`` and ``_apply``."""

    async def digest_due(self, week: str) -> list[Pseudonym]:
        """Contacts that get a digest in ``week`` and have none queued for it yet."""
        return [Pseudonym(contact) for (contact,) in await self._rows(_DUE, [week])]

    async def queue_digests(self, week: str, due: Sequence[DigestDue]) -> int:
        """Queue each digest unless one for that contact, week and subject exists already; how many were queued."""
        rows = [(secrets.randbits(62), item) for item in due]
        return await self._writer.transaction(lambda db: sum(_queue_digest(db, week, *row) for row in rows))

    async def tranche_trainers(self, code: str) -> list[Pseudonym]:
        rows = await self._rows("SELECT contact FROM tranche_trainers WHERE tranche = ? ORDER BY contact", [code])
        return [Pseudonym(contact) for (contact,) in rows]

    async def trainer_contacts(self) -> list[Pseudonym]:
        """Trainers invited by link (those in GOODWORK_TRAINERS are known by the settings)."""
        return [Pseudonym(contact) for (contact,) in await self._rows("SELECT contact FROM trainers ORDER BY contact")]

    async def members(self, code: str) -> list[Pseudonym]:
        """The contacts enrolled in a tranche (erased people are gone; the tranche's counter keeps them)."""
        rows = await self._rows("SELECT contact FROM enrolments WHERE tranche = ? ORDER BY contact", [code])
        return [Pseudonym(contact) for (contact,) in rows]

    async def followups_sent(self, code: str | None = None) -> list[tuple[str, DialogueId, date, int]]:
        """How many follow-ups (of one tranche, or of all) went out: per tranche, dialogue and day they went."""
        rows = await self._scan(
            # named: without statistics SQLite would rather read every row with the status from outbox_by_due
            "SELECT tranche, dialogue, substr(due, 1, 10) AS day, count(*) "
            "FROM outbox INDEXED BY outbox_followups_sent WHERE kind = 'followup' AND status = 'sent'"
            + ("" if code is None else " AND tranche = ?")
            + " GROUP BY tranche, dialogue, day",
            [] if code is None else [code],
        )
        return [(tranche, DialogueId(d), date.fromisoformat(day), count) for tranche, d, day, count in rows]

    async def enrolments(self) -> list[tuple[Pseudonym, str]]:
        """Every enrolment: contact and tranche code."""
        rows = await self._rows("SELECT contact, tranche FROM enrolments ORDER BY tranche, contact")
        return [(Pseudonym(contact), tranche) for contact, tranche in rows]

    async def activity(self, persons: Sequence[Pseudonym]) -> Activity:
        """Conversations, choices and reflections of these persons (none of the text)."""
        wanted = list(persons)
        conversations = await self.conversation_days(wanted)
        choices = await self._of(wanted, "SELECT person, dialogue, node, option, day FROM choices")
        reflections = await self._of(wanted, "SELECT person, dialogue, node, shared, day FROM reflections")
        return Activity(
            conversations,
            [
                (Pseudonym(p), DialogueId(d), NodeId(n), OptionId(o), date.fromisoformat(day))
                for p, d, n, o, day in choices
            ],
            [
                (Pseudonym(p), DialogueId(d), NodeId(n), bool(s), date.fromisoformat(day))
                for p, d, n, s, day in reflections
            ],
        )

    async def conversation_days(self, persons: Sequence[Pseudonym]) -> list[ConversationDay]:
        """Each conversation of these persons: person, dialogue, finished or not, and the day of its last step."""
        rows = await self._of(list(persons), "SELECT person, dialogue, done, day FROM conversations")
        day_of = date.fromisoformat  # the ids are already str: at 100,000 people, wrapping 500,000 rows costs 0.3 s
        return [(p, d, bool(done), day_of(day)) for p, d, done, day in rows]

    async def share(
        self, person: Pseudonym, dialogue: DialogueId, node: NodeId, shared: bool, update: int | None = None
    ) -> bool:
        """Share a reflection with the person's tranche (or withdraw it); False if there is no such reflection."""
        setting = "UPDATE reflections SET shared = ? WHERE person = ? AND dialogue = ? AND node = ?"
        values = (int(shared), person, dialogue, node)
        return await self._apply(update, lambda db: db.execute(setting, values).rowcount == 1)

    async def shared(self, persons: Sequence[Pseudonym]) -> list[SharedReflection]:
        """The reflections these persons shared."""
        rows = await self._of(
            list(persons),
            "SELECT person, dialogue, version, node, language, text, day FROM reflections",
            "shared = 1",
        )
        return [
            SharedReflection(Pseudonym(p), DialogueId(d), v, NodeId(n), lang, text, date.fromisoformat(day))
            for p, d, v, n, lang, text, day in rows
        ]

    async def _of(self, persons: list[Pseudonym], select: str, where: str = "1") -> list[Any]:
        """``select`` for these persons, in chunks that stay within SQLite's limit on parameters."""
        found: list[Any] = []
        for start in range(0, len(persons), 500):
            chunk = persons[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            found += await self._rows(f"{select} WHERE {where} AND person IN ({marks})", chunk)
        return found


def _queue_digest(db: sqlite3.Connection, week: str, row_id: int, item: DigestDue) -> int:
    subject = item.tranche or ""
    kept = db.execute(
        "INSERT INTO digests (contact, week, subject) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (item.contact, week, subject),
    ).rowcount
    if kept:
        kind = "tranche-digest" if item.tranche else "digest"
        db.execute(
            "INSERT INTO outbox (id, contact, tranche, kind, dialogue, due, status, week) "
            "VALUES (?, ?, ?, ?, '', ?, 'pending', ?)",
            (row_id, item.contact, item.tranche, kind, utc_text(item.due), week),
        )
    return kept
