"""``PostgresStore``: the ``Store`` protocol on a PostgreSQL database, for several instances sharing one.

Chosen by ``GOODWORK_DB=postgresql://user@host/db`` (a ``search_path`` query
parameter picks a schema). It keeps what SQLite keeps, in the same tables and
columns (``postgres_schema.py``), sealed and pseudonymised alike; each write is
one transaction on a pooled connection (asyncpg), and what SQLite gets from
having one writer, PostgreSQL gets from its locks:

- an update id is recorded in the same transaction as its change (a unique key),
  so an update applied by one instance is refused by the other;
- a conversation step names the revision it was computed from, so of two steps
  of one person only one wins (``ConflictError`` for the other);
- one person's updates are handled one at a time across instances, and only one
  instance sends at a time (``postgres_locks.py``: session advisory locks, which
  the server drops when their holder dies);
- outbox rows are claimed with ``FOR UPDATE SKIP LOCKED``.

Advisory lock namespaces (the first of two keys): 1 publishing a version, 3 the
sender, 4 migrations; a person's lock has a single 64-bit key.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, tzinfo
from pathlib import Path
from typing import Any

import asyncpg

from bot.dialogue.model import DialogueId, NodeId, OptionId
from bot.dialogue.state import State
from bot.store.errors import StoreServerError
from bot.store.keys import Keys, Pseudonym
from bot.store.postgres_cohort import CohortQueries
from bot.store.postgres_content import ContentQueries
from bot.store.postgres_courses import CourseQueries
from bot.store.postgres_locks import Locks
from bot.store.postgres_names import shown
from bot.store.postgres_parts import changed, once
from bot.store.postgres_privacy import PrivacyQueries
from bot.store.postgres_schema import MIGRATIONS
from bot.store.postgres_shared import SharedQueries
from bot.store.postgres_steps import save_record, save_state
from bot.store.postgres_upgrade import read_status, upgrade
from bot.store.protocol import (
    UPDATE_DAYS,
    Arrival,
    ConversationRow,
    Migration,
    Participant,
    Pruned,
    Saved,
    SchemaStatus,
    StepRecord,
)
from bot.store.sqlite import DAILY, Clock, open_chat, participant_of, utc_now
from bot.store.sqlite_writes import UPSERT_CONTACT

POOL = 10  # connections for queries and transactions
_UPSERT_CONTACT = UPSERT_CONTACT.format(p="$")

_RECEIVE = (
    f"WITH contact AS ({_UPSERT_CONTACT}) "
    "SELECT contact.*, EXISTS (SELECT 1 FROM updates WHERE update_id = $4) FROM contact"
)


class PostgresStore(ContentQueries, CourseQueries, CohortQueries, PrivacyQueries, SharedQueries):
    """Open with ``await PostgresStore.open(url, keys=keys)``; ``upgraded`` lists the migrations applied then."""

    def __init__(self, url: str, pool: asyncpg.Pool, *, keys: Keys, clock: Clock, tz: tzinfo, instance: str) -> None:
        self.url, self._pool, self._keys, self._clock, self._tz = url, pool, keys, clock, tz
        self.instance = instance
        self.upgraded: tuple[Migration, ...] = ()
        self._locks = Locks(url, _named(instance))

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        keys: Keys,
        clock: Clock = utc_now,
        tz: tzinfo = UTC,
        migrate: bool = True,
        migrations: tuple[Migration, ...] = MIGRATIONS,
        instance: str = "goodwork",
    ) -> PostgresStore:
        """Connect, check the secret and, unless ``migrate`` is off, upgrade (one instance at a time)."""
        pool = await _pool(url, 1, POOL, instance)
        try:
            now = clock().astimezone(tz)
            async with pool.acquire() as db, db.transaction():
                applied = await upgrade(db, migrations, keys, now, migrate)
        except BaseException:
            await pool.close()
            raise
        store = cls(url, pool, keys=keys, clock=clock, tz=tz, instance=instance)
        store.upgraded = tuple(applied)
        return store

    async def close(self) -> None:
        await self._locks.close()
        await self._pool.close()

    async def __aenter__(self) -> PostgresStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def status(self, migrations: tuple[Migration, ...] = MIGRATIONS) -> SchemaStatus:
        async with self._pool.acquire() as db:
            return await read_status(db, shown(self.url), migrations)

    def _week(self) -> str:
        return self._now().strftime("%G-W%V")

    # --- several instances -----------------------------------------------------

    def serialised(self, contact: Pseudonym) -> AbstractAsyncContextManager[None]:
        """While an update of ``contact`` is handled: no other instance handles one of theirs."""
        return self._locks.person(contact)

    async def take_sending(self) -> bool:
        """Whether this instance is the one that sends (taking the turn if no one has it)."""
        return await self._locks.sending()

    # --- contact side ----------------------------------------------------------

    async def save_participant(self, contact: Pseudonym, chat_id: int) -> Participant:
        row = await self._pool.fetchrow(_UPSERT_CONTACT, contact, self._keys.seal_chat(chat_id, contact), self._week())
        return participant_of(chat_id, tuple(row))

    async def receive(self, contact: Pseudonym, chat_id: int, update_id: int) -> Arrival:
        """As SQLite's, in one statement (one round trip, where a transaction around two took four)."""
        sealed, week = self._keys.seal_chat(chat_id, contact), self._week()
        row = await self._pool.fetchrow(_RECEIVE, contact, sealed, week, update_id)
        return Arrival(participant_of(chat_id, tuple(row)[:4]), bool(row[4]))

    async def participant(self, contact: Pseudonym) -> Participant | None:
        return (await self.participants([contact])).get(contact)

    async def participants(self, contacts: Sequence[Pseudonym]) -> dict[Pseudonym, Participant]:
        rows = await self._rows(
            "SELECT contact, chat, language, paused, digest, active FROM participants WHERE contact = ANY($1::text[])",
            list(dict.fromkeys(contacts)),
        )
        return {
            Pseudonym(c): participant_of(open_chat(self._keys, sealed, Pseudonym(c), shown(self.url)), tuple(settings))
            for c, sealed, *settings in rows
        }

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
        changes: dict[str, Any] = {"language": language, "paused": paused, "digest": digest, "active": active}
        given = {
            column: value if column == "language" else int(value)
            for column, value in changes.items()
            if value is not None
        }
        if given or update is not None:
            assignments = ", ".join(f"{column} = ${n}" for n, column in enumerate(given, start=2))
            sql = f"UPDATE participants SET {assignments} WHERE contact = $1"  # column names come from the code

            async def work(db: asyncpg.Connection) -> None:
                if given:
                    await db.execute(sql, contact, *given.values())

            await self._apply(update, work)
        return await self.participant(contact)

    async def seen_update(self, update_id: int) -> bool:
        return bool(await self._pool.fetchval("SELECT true FROM updates WHERE update_id = $1", update_id))

    # --- person side -----------------------------------------------------------

    async def load_state(self, person: Pseudonym, dialogue: DialogueId) -> Saved | None:
        row = await self._pool.fetchrow(
            "SELECT state, revision FROM conversations WHERE person = $1 AND dialogue = $2", person, dialogue
        )
        return None if row is None else Saved(State.from_json(row[0]), row[1])

    async def conversations(self, person: Pseudonym) -> list[Saved]:
        rows = await self._rows("SELECT state, revision FROM conversations WHERE person = $1 ORDER BY dialogue", person)
        return [Saved(State.from_json(state), revision) for state, revision in rows]

    async def current_dialogue(self, person: Pseudonym) -> DialogueId | None:
        current = await self._pool.fetchval("SELECT current FROM persons WHERE person = $1", person)
        return DialogueId(current) if current else None

    async def set_current(self, person: Pseudonym, dialogue: DialogueId | None, update: int | None = None) -> None:
        async def work(db: asyncpg.Connection) -> None:
            await db.execute("UPDATE persons SET current = $1 WHERE person = $2", dialogue, person)

        await self._apply(update, work)

    async def commit_step(self, step: StepRecord) -> Saved:
        """The update id, the new state and what was answered, in one transaction (as ``sqlite_writes.commit``)."""
        day, ids = self._today(), [secrets.randbits(62) for _ in step.records]

        async def work(db: asyncpg.Connection) -> Saved:
            await once(db, step.update_id, day)
            revision = await save_state(db, step, day)
            for record, row_id in zip(step.records, ids, strict=True):
                await save_record(db, step, record, day, row_id)
            return Saved(step.state, revision)

        return await self._transaction(work)

    async def conversation_rows(self, dialogue: DialogueId, version: int | None = None) -> list[ConversationRow]:
        rows = await self._rows(
            "SELECT state, started, day FROM conversations "
            "WHERE dialogue = $1 AND ($2::integer IS NULL OR version = $2)",
            dialogue,
            version,
        )
        return [
            ConversationRow(
                State.from_json(state), date.fromisoformat(started) if started else None, date.fromisoformat(day)
            )
            for state, started, day in rows
        ]

    async def weekly_active(self, since: date, until: date) -> dict[date, int]:
        """Per ISO week (its Monday), how many people took a step, chose or wrote in it."""
        rows = await self._rows(
            "SELECT d::date - (extract(isodow FROM d::date)::integer - 1) AS monday, count(DISTINCT person) FROM ("
            + " UNION ALL ".join(f"SELECT day AS d, person FROM {table} WHERE day BETWEEN $1 AND $2" for table in DAILY)
            + ") AS days GROUP BY monday",
            since.isoformat(),
            until.isoformat(),
        )
        return dict(rows)  # Mondays come back as dates

    async def first_active_day(self) -> date | None:
        first = await self._pool.fetchval(
            "SELECT min(day) FROM (" + " UNION ALL ".join(f"SELECT min(day) AS day FROM {t}" for t in DAILY) + ") AS d"
        )
        return None if first is None else date.fromisoformat(first)

    async def count_choices(self, dialogue: DialogueId, node: NodeId) -> dict[OptionId, int]:
        rows = await self._rows(
            "SELECT option, count(*) FROM choices WHERE dialogue = $1 AND node = $2 GROUP BY option", dialogue, node
        )
        return {OptionId(option): count for option, count in rows}

    # --- upkeep ------------------------------------------------------------------

    async def prune(self, today: date, retention_days: int) -> Pruned:
        """Retention, as SQLite's (``sqlite_writes.prune``); then the deleted rows are vacuumed away."""
        cutoff, old = today.toordinal() - retention_days, today.toordinal() - UPDATE_DAYS
        day, week, kept = (
            date.fromordinal(cutoff).isoformat(),
            date.fromordinal(cutoff).strftime("%G-W%V"),
            date.fromordinal(old).isoformat(),
        )

        async def work(db: asyncpg.Connection) -> Pruned:
            async def count(sql: str, value: str) -> int:
                return changed(await db.execute(sql, value))

            return Pruned(
                reflections=await count("DELETE FROM reflections WHERE day < $1", day),
                people=await count("DELETE FROM persons WHERE active_day < $1", day),
                participants=await count("DELETE FROM participants WHERE seen_week < $1", week),
                updates=await count("DELETE FROM updates WHERE day < $1", kept)
                + await count("DELETE FROM inbox WHERE day < $1", kept),
            )

        pruned = await self._transaction(work)
        await self.vacuum()
        return pruned

    async def backup(self, target: Path) -> None:
        """A consistent copy of everything into a new SQLite file (``goodwork db copy`` moves it back)."""
        from bot.store.copy import copy_into_file  # the copy opens stores of both kinds

        await copy_into_file(self, target, self._keys)


async def _pool(url: str, least: int, most: int, instance: str) -> asyncpg.Pool:
    """A pool on ``url``; a server that cannot be reached, or refuses, is one clear line."""
    try:
        return await asyncpg.create_pool(
            url,
            min_size=least,
            max_size=most,
            command_timeout=60,
            server_settings=_named(instance),
            reset=_kept_as_it_is,
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
        raise StoreServerError(f"cannot use the PostgreSQL database {shown(url)}: {_reason(exc)}") from None


async def _kept_as_it_is(connection: asyncpg.Connection) -> None:
    """A pooled connection given back needs no reset query: the store sets no session state on them (no
    settings, listeners or session locks: those live in postgres_locks.py), and asyncpg still ends an open
    transaction. The default reset was a round trip after every query (a profile of the shipped run: 4 %
    of the bot's CPU, and a wait for every caller)."""


def _named(instance: str) -> dict[str, str]:
    """Connections name their instance (``pg_stat_activity.application_name``): which one holds what."""
    return {"application_name": f"goodwork {instance}"[:63]}


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
