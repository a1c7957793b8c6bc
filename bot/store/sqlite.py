"""``SqliteStore``: the embedded default, one file.

Writes go through one ``Writer`` (a plain connection on its own thread; each
transaction is one function, ``BEGIN IMMEDIATE … COMMIT``), so writers are
serialised and a step costs one thread hand-off. Reads use an aiosqlite
connection, which WAL lets run beside a write.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

import aiosqlite

from bot.dialogue.model import DialogueId, NodeId, OptionId
from bot.dialogue.state import State
from bot.store import sqlite_files
from bot.store.keys import Identity, Pseudonym
from bot.store.protocol import (
    Migration,
    Participant,
    Pruned,
    Saved,
    SchemaStatus,
    StepRecord,
    Version,
)
from bot.store.sqlite_courses import CourseQueries
from bot.store.sqlite_privacy import erase_rows, export_rows
from bot.store.sqlite_schema import MIGRATIONS
from bot.store.sqlite_trainers import TrainerQueries
from bot.store.sqlite_upgrade import read_status, upgrade
from bot.store.sqlite_writer import Writer
from bot.store.sqlite_writes import VERSIONED, claim, commit, prune, publish, receive, save_participant

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class SqliteStore(CourseQueries, TrainerQueries):
    """The ``Store`` protocol on one SQLite file. Open with ``await SqliteStore.open(path, check=keys.check)``."""

    def __init__(self, path: Path, writer: Writer, reader: aiosqlite.Connection, clock: Clock, tz: tzinfo) -> None:
        self.path, self._writer, self._reader, self._clock, self._tz = path, writer, reader, clock, tz

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        check: str,
        clock: Clock = utc_now,
        tz: tzinfo = UTC,
        migrate: bool = True,
        migrations: tuple[Migration, ...] = MIGRATIONS,
    ) -> SqliteStore:
        """Open (creating it private if new), check the secret and, unless ``migrate`` is off, upgrade.

        The file is switched to WAL only once it is known to be ours, so a wrong file is left untouched.
        """
        path = Path(path)
        sqlite_files.create_private(path)
        writer = Writer(path)
        try:
            await writer.open()
            now = clock().astimezone(tz)
            await writer.transaction(lambda db: upgrade(db, migrations, check, now, migrate))
            await writer.run(lambda db: db.execute(sqlite_files.WAL).fetchall())
            reader = await sqlite_files.connect_reader(path)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader, clock, tz)

    async def close(self) -> None:
        """Close both connections and the writer's thread (left open, they keep the process alive)."""
        await self._reader.close()
        await self._writer.close()

    async def __aenter__(self) -> SqliteStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def status(self, migrations: tuple[Migration, ...] = MIGRATIONS) -> SchemaStatus:
        return await self._writer.run(lambda db: read_status(db, str(self.path), migrations))

    async def _rows(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(await self._reader.execute_fetchall(sql, tuple(parameters)))

    def _now(self) -> datetime:
        return self._clock().astimezone(self._tz)

    def _today(self) -> str:
        return self._now().date().isoformat()

    def _week(self) -> str:
        return self._now().strftime("%G-W%V")

    # --- contact side ----------------------------------------------------------

    async def save_participant(self, contact: Pseudonym, chat_id: int) -> Participant:
        """Record that ``contact`` wrote from ``chat_id``: active again, seen this week."""
        week = self._week()
        return await self._writer.transaction(lambda db: save_participant(db, contact, chat_id, week))

    async def receive(self, contact: Pseudonym, chat_id: int, update_id: int) -> Participant | None:
        """An update from ``contact`` arrives: None if it was handled before, else their contact, saved as seen.

        One transaction for what every update needs, instead of three round trips.
        """
        week = self._week()
        return await self._writer.transaction(lambda db: receive(db, contact, chat_id, update_id, week))

    async def participant(self, contact: Pseudonym) -> Participant | None:
        rows = await self._rows(
            "SELECT chat_id, language, paused, digest, active FROM participants WHERE contact = ?", [contact]
        )
        if not rows:
            return None
        chat_id, language, paused, digest, active = rows[0]
        return Participant(chat_id, language, bool(paused), bool(digest), bool(active))

    async def update_participant(
        self,
        contact: Pseudonym,
        *,
        language: str | None = None,
        paused: bool | None = None,
        digest: bool | None = None,
        active: bool | None = None,
    ) -> Participant | None:
        """Change the given settings; None leaves a setting as it is."""
        changes = {"language": language, "paused": paused, "digest": digest, "active": active}
        given = {column: value for column, value in changes.items() if value is not None}
        if given:
            assignments = ", ".join(f"{column} = ?" for column in given)  # column names come from the code
            sql = f"UPDATE participants SET {assignments} WHERE contact = ?"
            await self._writer.transaction(lambda db: db.execute(sql, (*given.values(), contact)))
        return await self.participant(contact)

    async def claim_update(self, update_id: int) -> bool:
        """Mark a Telegram update as handled; False if it already was."""
        day = self._today()
        return await self._writer.transaction(lambda db: claim(db, update_id, day))

    async def seen_update(self, update_id: int) -> bool:
        """Whether an update was already handled (``claim_update`` and ``commit_step`` decide atomically)."""
        return bool(await self._rows("SELECT 1 FROM updates WHERE update_id = ?", [update_id]))

    # --- person side ---------------------------------------------------------

    async def load_state(self, person: Pseudonym, dialogue: DialogueId) -> Saved | None:
        rows = await self._rows(
            "SELECT state, revision FROM conversations WHERE person = ? AND dialogue = ?", [person, dialogue]
        )
        return Saved(State.from_json(rows[0][0]), rows[0][1]) if rows else None

    async def conversations(self, person: Pseudonym) -> list[Saved]:
        rows = await self._rows(
            "SELECT state, revision FROM conversations WHERE person = ? ORDER BY dialogue", [person]
        )
        return [Saved(State.from_json(state), revision) for state, revision in rows]

    async def current_dialogue(self, person: Pseudonym) -> DialogueId | None:
        rows = await self._rows("SELECT current FROM persons WHERE person = ?", [person])
        return DialogueId(rows[0][0]) if rows and rows[0][0] else None

    async def set_current(self, person: Pseudonym, dialogue: DialogueId | None) -> None:
        """Which dialogue typed text goes to; None puts the current one aside (its progress stays)."""
        await self._writer.transaction(
            lambda db: db.execute("UPDATE persons SET current = ? WHERE person = ?", (dialogue, person))
        )

    async def commit_step(self, step: StepRecord) -> Saved | None:
        """Commit the update id, the new state and what was answered together; None for a repeated update."""
        day, ids = self._today(), [secrets.randbits(62) for _ in step.records]
        return await self._writer.transaction(lambda db: commit(db, step, day, ids))

    async def count_choices(self, dialogue: DialogueId, node: NodeId) -> dict[OptionId, int]:
        """How many people chose each option at ``node``, raw: report through ``aggregate`` only."""
        rows = await self._rows(
            "SELECT option, count(*) FROM choices WHERE dialogue = ? AND node = ? GROUP BY option", [dialogue, node]
        )
        return {OptionId(option): count for option, count in rows}

    # --- content -------------------------------------------------------------

    async def publish(self, dialogue: DialogueId, source: str, published_by: str) -> Version:
        """Store ``source`` as the next version, or return the newest if it is the same text."""
        await self._publish("dialogue_versions", dialogue, source, published_by)
        published = await self.version(dialogue)
        assert published is not None
        return published

    async def publish_course(self, course: str, source: str, published_by: str) -> Version:
        """The same for a course file."""
        await self._publish("course_versions", course, source, published_by)
        published = await self.course_version(course)
        assert published is not None
        return published

    async def course_version(self, course: str) -> Version | None:
        found = await self._versions("course = ?", [course], limit=1, table="course_versions")
        return found[0] if found else None

    async def course_ids(self) -> list[str]:
        return [course for (course,) in await self._rows("SELECT DISTINCT course FROM course_versions ORDER BY 1")]

    async def _publish(self, table: str, item: str, source: str, published_by: str) -> None:
        digest, at = hashlib.sha256(source.encode()).hexdigest(), self._now().isoformat(timespec="seconds")
        await self._writer.transaction(lambda db: publish(db, (item, source, digest, published_by, at), table))

    async def version(self, dialogue: DialogueId, number: int | None = None) -> Version | None:
        """Version ``number`` of ``dialogue``, or its newest when ``number`` is None."""
        where = "dialogue = ?" + ("" if number is None else " AND version = ?")
        found = await self._versions(where, [dialogue] if number is None else [dialogue, number], limit=1)
        return found[0] if found else None

    async def versions(self, dialogue: DialogueId) -> list[Version]:
        return await self._versions("dialogue = ?", [dialogue])

    async def dialogue_ids(self) -> list[DialogueId]:
        """Every dialogue that has a published version."""
        rows = await self._rows("SELECT DISTINCT dialogue FROM dialogue_versions ORDER BY dialogue")
        return [DialogueId(dialogue) for (dialogue,) in rows]

    async def _versions(
        self, where: str, parameters: list[Any], limit: int = -1, table: str = "dialogue_versions"
    ) -> list[Version]:
        rows = await self._rows(
            f"SELECT {VERSIONED[table]}, version, source, sha256, published_by, published_at FROM {table} "
            f"WHERE {where} ORDER BY version DESC LIMIT {int(limit)}",
            parameters,
        )
        return [Version(DialogueId(d), n, src, sha, by, datetime.fromisoformat(at)) for d, n, src, sha, by, at in rows]

    # --- privacy and upkeep --------------------------------------------------

    async def export(self, who: Identity) -> dict[str, Any]:
        """Everything kept about one person, as JSON-ready data (what /mydata sends)."""
        return await export_rows(self._reader, who)

    async def erase(self, who: Identity) -> int:
        """Delete everything of one person in one transaction, then flush the WAL so the text is gone."""
        erased = await self._writer.transaction(lambda db: erase_rows(db, who))
        await self.checkpoint()
        return erased

    async def prune(self, today: date, retention_days: int) -> Pruned:
        """Apply retention: old reflections, people inactive that long, and old update ids go."""
        pruned = await self._writer.transaction(lambda db: prune(db, today, retention_days))
        await self.checkpoint()
        return pruned

    async def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it, so deleted text leaves no old copy there."""
        await self._writer.run(lambda db: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())

    async def backup(self, target: Path) -> None:
        await asyncio.to_thread(sqlite_files.backup, self.path, target)
