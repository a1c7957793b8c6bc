"""``SqliteStore``: the embedded default, one file.

Writes go through one ``Writer`` (a plain connection on its own thread; each
transaction is one function, ``BEGIN IMMEDIATE … COMMIT``), so writers are
serialised and a step costs one thread hand-off, or a share of one: those that
arrive while one is written go together into the next (``sqlite_writer.py``).
Reads use an aiosqlite connection, which WAL lets run beside a write.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

import aiosqlite

from bot.dialogue.model import DialogueId, NodeId, OptionId
from bot.dialogue.state import State
from bot.store import sqlite_files
from bot.store.errors import SealError, StoreError
from bot.store.keys import Keys, Pseudonym
from bot.store.protocol import (
    Arrival,
    ConversationRow,
    Migration,
    Participant,
    Pruned,
    Saved,
    SchemaStatus,
    StepRecord,
    Version,
)
from bot.store.sqlite_cohort import CohortQueries
from bot.store.sqlite_courses import CourseQueries
from bot.store.sqlite_health import HealthQueries
from bot.store.sqlite_inbox import InboxQueries
from bot.store.sqlite_privacy import PrivacyQueries
from bot.store.sqlite_schema import MIGRATIONS
from bot.store.sqlite_tables import TableRows
from bot.store.sqlite_trainers import TrainerQueries
from bot.store.sqlite_upgrade import read_status, scrub, upgrade
from bot.store.sqlite_writer import Writer
from bot.store.sqlite_writes import VERSIONED, commit, prune, publish, receive, save_participant

Clock = Callable[[], datetime]
DAILY = ("conversations", "choices", "reflections")  # what a person did, each row with its day


def utc_now() -> datetime:
    return datetime.now(UTC)


class SqliteStore(CourseQueries, TrainerQueries, PrivacyQueries, InboxQueries, CohortQueries, HealthQueries, TableRows):
    """The ``Store`` protocol on one SQLite file. Open with ``await SqliteStore.open(path, keys=keys)``.

    ``upgraded`` lists the migrations this opening applied (their notes are for the operator).
    """

    def __init__(
        self,
        path: Path,
        writer: Writer,
        reader: aiosqlite.Connection,
        *,
        keys: Keys,
        clock: Clock,
        tz: tzinfo,
        instance: str = "goodwork",
    ) -> None:
        self.path, self._writer, self._reader, self._keys, self._clock, self._tz = path, writer, reader, keys, clock, tz
        self.instance = instance
        self.upgraded: tuple[Migration, ...] = ()
        self._scanner: aiosqlite.Connection | None = None  # opened by the first long count (``_scan``)
        self._scanner_opening = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        keys: Keys,
        clock: Clock = utc_now,
        tz: tzinfo = UTC,
        migrate: bool = True,
        migrations: tuple[Migration, ...] = MIGRATIONS,
        instance: str = "goodwork",
    ) -> SqliteStore:
        """Open (creating it private if new), check the secret and, unless ``migrate`` is off, upgrade.

        The file is switched to WAL only once it is known to be ours, so a wrong file is left untouched.
        A migration that removes something (``scrub``) is followed by VACUUM and a checkpoint, so no free
        page or old WAL frame keeps it.
        """
        path = Path(path)
        sqlite_files.create_private(path)
        writer = Writer(path)
        try:
            await writer.open()
            now = clock().astimezone(tz)
            applied = await writer.transaction(lambda db: upgrade(db, migrations, keys, now, migrate))
            await writer.run(lambda db: db.execute(sqlite_files.WAL).fetchall())
            if any(migration.scrub for migration in applied):
                await writer.run(scrub)
            reader = await sqlite_files.connect_reader(path)
        except BaseException:
            await writer.close()
            raise
        store = cls(path, writer, reader, keys=keys, clock=clock, tz=tz, instance=instance)
        store.upgraded = tuple(applied)
        return store

    async def close(self) -> None:
        """Close the connections and the writer's thread (left open, they keep the process alive)."""
        if self._scanner is not None:
            await self._scanner.close()
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

    async def _scan(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """A count over whole tables, on a reader of its own: it takes seconds at 100,000 people, and meanwhile
        everyone else's reads go on, and so does the caller's next question (SQLite runs both at once)."""
        async with self._scanner_opening:
            if self._scanner is None:
                self._scanner = await sqlite_files.connect_reader(self.path)
        return list(await self._scanner.execute_fetchall(sql, tuple(parameters)))

    def _now(self) -> datetime:
        return self._clock().astimezone(self._tz)

    def _today(self) -> str:
        return self._now().date().isoformat()

    def _week(self) -> str:
        return self._now().strftime("%G-W%V")

    # --- several instances: one file has one ---------------------------------------

    def serialised(self, contact: Pseudonym) -> AbstractAsyncContextManager[None]:
        """Nothing to wait for: one process uses the file, and its lanes keep a person's updates in order."""
        return nullcontext()

    async def take_sending(self) -> bool:
        return True

    # --- contact side ----------------------------------------------------------

    async def save_participant(self, contact: Pseudonym, chat_id: int) -> Participant:
        """Record that ``contact`` wrote from ``chat_id``: active again, seen this week."""
        week, sealed = self._week(), self._keys.seal_chat(chat_id, contact)
        row = await self._writer.transaction(lambda db: save_participant(db, contact, sealed, week))
        return participant_of(chat_id, row)

    async def receive(self, contact: Pseudonym, chat_id: int, update_id: int) -> Arrival:
        """An update from ``contact`` arrives: their contact, saved as seen, and whether it was applied before.

        One transaction for what every update needs, instead of three round trips.
        """
        week, sealed = self._week(), self._keys.seal_chat(chat_id, contact)
        row, repeated = await self._writer.transaction(lambda db: receive(db, contact, sealed, update_id, week))
        return Arrival(participant_of(chat_id, row), repeated)

    async def participant(self, contact: Pseudonym) -> Participant | None:
        return (await self.participants([contact])).get(contact)

    async def participants(self, contacts: Sequence[Pseudonym]) -> dict[Pseudonym, Participant]:
        """Those of ``contacts`` who are known, in one query (the outbox reads a claimed batch's at once)."""
        found: dict[Pseudonym, Participant] = {}
        wanted = list(dict.fromkeys(contacts))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = await self._rows(
                "SELECT contact, chat, language, paused, digest, active FROM participants "
                f"WHERE contact IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for contact, sealed, *settings in rows:
                chat_id = open_chat(self._keys, sealed, Pseudonym(contact), str(self.path))
                found[Pseudonym(contact)] = participant_of(chat_id, tuple(settings))
        return found

    async def update_participant(
        self,
        contact: Pseudonym,
        *,
        language: str | None = None,
        paused: bool | None = None,
        digest: bool | None = None,
        active: bool | None = None,
        update: int | None = None,
    ) -> Participant | None:
        """Change the given settings; None leaves a setting as it is."""
        changes = {"language": language, "paused": paused, "digest": digest, "active": active}
        given = {column: value for column, value in changes.items() if value is not None}
        if given or update is not None:
            assignments = ", ".join(f"{column} = ?" for column in given)  # column names come from the code
            sql = f"UPDATE participants SET {assignments} WHERE contact = ?"
            await self._apply(update, lambda db: db.execute(sql, (*given.values(), contact)) if given else None)
        return await self.participant(contact)

    async def seen_update(self, update_id: int) -> bool:
        """Whether an update already changed something (each change records its update id atomically)."""
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

    async def set_current(self, person: Pseudonym, dialogue: DialogueId | None, update: int | None = None) -> None:
        """Which dialogue typed text goes to; None puts the current one aside (its progress stays)."""
        setting = "UPDATE persons SET current = ? WHERE person = ?"
        await self._apply(update, lambda db: db.execute(setting, (dialogue, person)))

    async def commit_step(self, step: StepRecord) -> Saved:
        """Commit the update id, the new state and what was answered together (RepeatedUpdateError if applied)."""
        day, ids = self._today(), [secrets.randbits(62) for _ in step.records]
        return await self._writer.transaction(lambda db: commit(db, step, day, ids))

    async def conversation_rows(self, dialogue: DialogueId, version: int | None = None) -> list[ConversationRow]:
        """Every conversation of ``dialogue`` (of one version, or all): state, start day and last day."""
        where = "dialogue = ?" + ("" if version is None else " AND version = ?")
        rows = await self._rows(
            f"SELECT state, started, day FROM conversations WHERE {where}",
            [dialogue] if version is None else [dialogue, version],
        )
        return [
            ConversationRow(
                State.from_json(state), date.fromisoformat(started) if started else None, date.fromisoformat(day)
            )
            for state, started, day in rows
        ]

    async def weekly_active(self, since: date, until: date) -> dict[date, int]:
        """Per ISO week (its Monday), how many people took a step, chose or wrote in it."""
        rows = await self._scan(  # people per day first (from the indexes by day), then the week of each day
            "SELECT monday, count(DISTINCT person) FROM (SELECT person, date(day, '-6 days', 'weekday 1') AS monday "
            "FROM (SELECT DISTINCT day, person FROM ("
            + " UNION ALL ".join(f"SELECT day, person FROM {table} WHERE day BETWEEN ?1 AND ?2" for table in DAILY)
            + "))) GROUP BY monday",
            [since.isoformat(), until.isoformat()],
        )
        return {date.fromisoformat(monday): count for monday, count in rows}

    async def first_active_day(self) -> date | None:
        """The day of the earliest step, choice or reflection still kept, or None."""
        (row,) = await self._scan(
            "SELECT min(day) FROM (" + " UNION ALL ".join(f"SELECT min(day) AS day FROM {t}" for t in DAILY) + ")"
        )
        return None if row[0] is None else date.fromisoformat(row[0])

    async def count_choices(self, dialogue: DialogueId, node: NodeId) -> dict[OptionId, int]:
        """How many people chose each option at ``node``, raw: report through ``aggregate`` only."""
        rows = await self._rows(
            "SELECT option, count(*) FROM choices WHERE dialogue = ? AND node = ? GROUP BY option", [dialogue, node]
        )
        return {OptionId(option): count for option, count in rows}

    # --- content -------------------------------------------------------------

    async def publish(self, dialogue: DialogueId, source: str, published_by: str, update: int | None = None) -> Version:
        """Store ``source`` as the next version, or return the newest if it is the same text."""
        await self._publish("dialogue_versions", dialogue, source, published_by, update)
        published = await self.version(dialogue)
        assert published is not None
        return published

    async def publish_course(self, course: str, source: str, published_by: str, update: int | None = None) -> Version:
        """The same for a course file."""
        await self._publish("course_versions", course, source, published_by, update)
        published = await self.course_version(course)
        assert published is not None
        return published

    async def course_version(self, course: str) -> Version | None:
        found = await self._versions("course = ?", [course], limit=1, table="course_versions")
        return found[0] if found else None

    async def course_ids(self) -> list[str]:
        return [course for (course,) in await self._rows("SELECT DISTINCT course FROM course_versions ORDER BY 1")]

    async def _publish(self, table: str, item: str, source: str, published_by: str, update: int | None) -> None:
        digest, at = hashlib.sha256(source.encode()).hexdigest(), self._now().isoformat(timespec="seconds")
        await self._apply(update, lambda db: publish(db, (item, source, digest, published_by, at), table))

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

    async def first_published(self) -> dict[DialogueId, datetime]:
        """When each dialogue's first version was published."""
        rows = await self._rows("SELECT dialogue, min(published_at) FROM dialogue_versions GROUP BY dialogue")
        return {DialogueId(dialogue): datetime.fromisoformat(at) for dialogue, at in rows}

    async def newest_versions(self) -> dict[DialogueId, int]:
        """Each published dialogue's newest version number (no sources read)."""
        rows = await self._rows("SELECT dialogue, max(version) FROM dialogue_versions GROUP BY dialogue")
        return {DialogueId(dialogue): number for dialogue, number in rows}

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

    async def prune(self, today: date, retention_days: int) -> Pruned:
        """Apply retention: old reflections, people inactive that long, and old update ids go."""
        pruned = await self._writer.transaction(lambda db: prune(db, today, retention_days))
        await self.checkpoint()
        return pruned

    async def backup(self, target: Path) -> None:
        await asyncio.to_thread(sqlite_files.backup, self.path, target)


def participant_of(chat_id: int, settings: tuple[Any, ...]) -> Participant:
    """A participant from its unsealed chat id and its settings' columns (language, paused, digest, active)."""
    language, paused, digest, active = settings
    return Participant(chat_id, language, bool(paused), bool(digest), bool(active))


def open_chat(keys: Keys, sealed: bytes, contact: Pseudonym, database: str) -> int:
    """The chat id sealed in ``sealed``; one this secret cannot open is a StoreError naming ``database``."""
    try:
        return keys.open_chat(sealed, contact)
    except SealError as exc:
        raise StoreError(f"{database}: {exc}") from None
