"""One dialogue step's writes inside ``PostgresStore.commit_step``'s transaction (as ``sqlite_writes.py``)."""

from __future__ import annotations

import asyncpg

from bot.dialogue.events import Answered, Chosen
from bot.store.errors import ConflictError
from bot.store.postgres_parts import changed
from bot.store.protocol import StepRecord


async def save_state(db: asyncpg.Connection, step: StepRecord, day: str) -> int:
    state = step.state
    await db.execute(
        "INSERT INTO persons (person, current, active_day) VALUES ($1, $2, $3) ON CONFLICT (person) "
        "DO UPDATE SET current = excluded.current, active_day = excluded.active_day",
        step.person,
        state.dialogue,
        day,
    )
    started = day if step.started or step.revision is None else None
    values = (state.version, state.to_json(), int(state.done), day, started, step.person, state.dialogue)
    if step.revision is None:
        status = await db.execute(
            "INSERT INTO conversations (version, state, done, day, started, person, dialogue, revision) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, 1) ON CONFLICT DO NOTHING",
            *values,
        )
    else:
        status = await db.execute(
            "UPDATE conversations SET version = $1, state = $2, done = $3, day = $4, started = coalesce($5, started), "
            "revision = revision + 1 WHERE person = $6 AND dialogue = $7 AND revision = $8",
            *values,
            step.revision,
        )
    if changed(status) != 1:
        raise ConflictError(f"conversation in {state.dialogue!r} moved on since it was read")
    return 1 if step.revision is None else step.revision + 1


async def save_record(
    db: asyncpg.Connection, step: StepRecord, record: Chosen | Answered, day: str, row_id: int
) -> None:
    """As ``sqlite_writes._save_record``: the latest choice or reflection per question."""
    state = step.state
    head = (row_id, step.person, state.dialogue, state.version, record.node)
    if isinstance(record, Chosen):
        await db.execute(
            "INSERT INTO choices (id, person, dialogue, version, node, option, day) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT (person, dialogue, node) DO UPDATE SET "
            "version = excluded.version, option = excluded.option, day = excluded.day",
            *head,
            record.option,
            day,
        )
    elif record.text is None:
        await db.execute(
            "DELETE FROM reflections WHERE person = $1 AND dialogue = $2 AND node = $3",
            step.person,
            state.dialogue,
            record.node,
        )
    else:
        await db.execute(
            "INSERT INTO reflections (id, person, dialogue, version, node, language, text, day) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (person, dialogue, node) DO UPDATE SET "
            "version = excluded.version, language = excluded.language, text = excluded.text, day = excluded.day",
            *head,
            state.language,
            record.text,
            day,
        )
