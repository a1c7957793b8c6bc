"""The write transactions of ``SqliteStore``, each one function run on the writer's thread."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

from bot.dialogue.events import Answered, Chosen
from bot.store.errors import ConflictError, RepeatedUpdateError
from bot.store.keys import Pseudonym
from bot.store.protocol import UPDATE_DAYS, Pruned, Saved, StepRecord

# {p}: the driver's mark of numbered parameters ("?" for SQLite, "$" for PostgreSQL, whose store reads it too)
UPSERT_CONTACT = (
    "INSERT INTO participants (contact, chat, seen_week) VALUES ({p}1, {p}2, {p}3) "
    "ON CONFLICT (contact) DO UPDATE SET active = 1, seen_week = excluded.seen_week "
    "RETURNING language, paused, digest, active"
)
_UPSERT_CONTACT = UPSERT_CONTACT.format(p="?")


def save_participant(db: sqlite3.Connection, contact: Pseudonym, sealed: bytes, week: str) -> tuple[Any, ...]:
    """The contact as active and seen this week (its sealed chat id is written only for a new contact)."""
    return tuple(db.execute(_UPSERT_CONTACT, (contact, sealed, week)).fetchone())


def receive(
    db: sqlite3.Connection, contact: Pseudonym, sealed: bytes, update_id: int, week: str
) -> tuple[tuple[Any, ...], bool]:
    """The contact's settings, and whether this update changed something before."""
    repeated = db.execute("SELECT 1 FROM updates WHERE update_id = ?", (update_id,)).fetchone() is not None
    return save_participant(db, contact, sealed, week), repeated


def claim(db: sqlite3.Connection, update_id: int, day: str) -> bool:
    cursor = db.execute("INSERT INTO updates (update_id, day) VALUES (?, ?) ON CONFLICT DO NOTHING", (update_id, day))
    return cursor.rowcount == 1


def once(db: sqlite3.Connection, update_id: int | None, day: str) -> None:
    """Record ``update_id`` as applied in this transaction; RepeatedUpdateError if it was applied before."""
    if update_id is not None and not claim(db, update_id, day):
        raise RepeatedUpdateError(f"update {update_id} was applied before")


def commit(db: sqlite3.Connection, step: StepRecord, day: str, ids: list[int]) -> Saved:
    once(db, step.update_id, day)
    revision = _save_state(db, step, day)
    for record, row_id in zip(step.records, ids, strict=True):
        _save_record(db, step, record, day, row_id)
    return Saved(step.state, revision)


def _save_state(db: sqlite3.Connection, step: StepRecord, day: str) -> int:
    state = step.state
    db.execute(
        "INSERT INTO persons (person, current, active_day) VALUES (?, ?, ?) ON CONFLICT (person) "
        "DO UPDATE SET current = excluded.current, active_day = excluded.active_day",
        (step.person, state.dialogue, day),
    )
    started = day if step.started or step.revision is None else None
    values = (state.version, state.to_json(), int(state.done), day, started, step.person, state.dialogue)
    if step.revision is None:
        cursor = db.execute(
            "INSERT INTO conversations (version, state, done, day, started, person, dialogue, revision) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO NOTHING",
            values,
        )
    else:
        cursor = db.execute(
            "UPDATE conversations SET version = ?, state = ?, done = ?, day = ?, started = coalesce(?, started), "
            "revision = revision + 1 WHERE person = ? AND dialogue = ? AND revision = ?",
            (*values, step.revision),
        )
    if cursor.rowcount != 1:
        raise ConflictError(f"conversation in {state.dialogue!r} moved on since it was read")
    return 1 if step.revision is None else step.revision + 1


def _save_record(db: sqlite3.Connection, step: StepRecord, record: Chosen | Answered, day: str, row_id: int) -> None:
    """Keep the latest choice or reflection per question; a skipped reflection removes an earlier answer."""
    state = step.state
    head = (row_id, step.person, state.dialogue, state.version, record.node)
    if isinstance(record, Chosen):
        db.execute(
            "INSERT INTO choices (id, person, dialogue, version, node, option, day) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (person, dialogue, node) DO UPDATE SET "
            "version = excluded.version, option = excluded.option, day = excluded.day",
            (*head, record.option, day),
        )
    elif record.text is None:
        db.execute(
            "DELETE FROM reflections WHERE person = ? AND dialogue = ? AND node = ?",
            (step.person, state.dialogue, record.node),
        )
    else:
        db.execute(
            "INSERT INTO reflections (id, person, dialogue, version, node, language, text, day) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person, dialogue, node) DO UPDATE SET "
            "version = excluded.version, language = excluded.language, text = excluded.text, day = excluded.day",
            (*head, state.language, record.text, day),
        )


VERSIONED = {"dialogue_versions": "dialogue", "course_versions": "course"}  # table -> its id column


def publish(db: sqlite3.Connection, row: tuple[str, str, str, str, str], table: str = "dialogue_versions") -> None:
    """Store ``row`` (id, source, sha256, by, at) as the next version in ``table``, unless it is the newest text."""
    key, (item, _, digest, _, _) = VERSIONED[table], row
    newest = db.execute(
        f"SELECT version, sha256 FROM {table} WHERE {key} = ? ORDER BY version DESC LIMIT 1", (item,)
    ).fetchone()
    if newest is not None and newest[1] == digest:
        return
    number = newest[0] + 1 if newest else 1
    db.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?)", (item, number, *row[1:]))


def prune(db: sqlite3.Connection, today: date, retention_days: int) -> Pruned:
    cutoff = today - timedelta(days=retention_days)

    def count(sql: str, value: str) -> int:
        return db.execute(sql, (value,)).rowcount

    return Pruned(
        reflections=count("DELETE FROM reflections WHERE day < ?", cutoff.isoformat()),
        people=count("DELETE FROM persons WHERE active_day < ?", cutoff.isoformat()),
        participants=count("DELETE FROM participants WHERE seen_week < ?", cutoff.strftime("%G-W%V")),
        updates=count("DELETE FROM updates WHERE day < ?", (today - timedelta(days=UPDATE_DAYS)).isoformat())
        + count("DELETE FROM inbox WHERE day < ?", (today - timedelta(days=UPDATE_DAYS)).isoformat()),
    )
