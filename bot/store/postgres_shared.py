"""The inbox, heartbeats and the outbox backlog, for ``PostgresStore`` (as ``sqlite_inbox.py`` and
``sqlite_health.py``): what several instances on one database tell each other."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from bot.store.postgres_parts import PostgresParts
from bot.store.postgres_privacy import follow_numbers
from bot.store.protocol import LOOP_STALE, RECEIVING, Backlog, Beat
from bot.store.sqlite_courses import utc_text
from bot.store.sqlite_tables import BATCH

_TAKE = (
    "UPDATE inbox SET instance = $1 WHERE instance IS NULL OR (instance = $1 AND NOT $3) OR (instance <> $1 AND "
    "instance NOT IN (SELECT instance FROM heartbeats WHERE loop = ANY($4::text[]) AND beat >= $2)) "
    "RETURNING update_id, sealed"
)


class SharedQueries(PostgresParts):
    instance: str

    async def spill(self, updates: Sequence[tuple[int, str]]) -> None:
        day = self._today()
        await self._pool.executemany(
            "INSERT INTO inbox (update_id, sealed, day, instance) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            [(update_id, self._keys.seal_update(update_id, raw), day, self.instance) for update_id, raw in updates],
        )

    async def spilled(self, others_only: bool = False) -> list[tuple[int, str]]:
        """This instance's kept updates (unless ``others_only``) and those of stopped instances, taken over."""
        alive_since = utc_text(self._now() - LOOP_STALE)
        rows = await self._rows(_TAKE, self.instance, alive_since, others_only, list(RECEIVING))
        return [
            (update_id, self._keys.open_update(sealed, update_id)) for update_id, sealed in sorted(map(tuple, rows))
        ]

    async def unspill(self, update_ids: Sequence[int]) -> None:
        await self._pool.execute("DELETE FROM inbox WHERE update_id = ANY($1::bigint[])", list(update_ids))

    async def rows_of(self, tables: Sequence[str]) -> AsyncIterator[tuple[str, list[str], list[tuple[Any, ...]]]]:
        """Each table's rows in batches (table, column names, rows), all read in one snapshot."""
        async with self._pool.acquire() as db, db.transaction(readonly=True, isolation="repeatable_read"):
            for table in tables:
                columns = [a.name for a in (await db.prepare(f"SELECT * FROM {table}")).get_attributes()]
                batch: list[tuple[Any, ...]] = []
                async for record in db.cursor(f"SELECT * FROM {table}", prefetch=BATCH):
                    batch.append(tuple(record))
                    if len(batch) == BATCH:
                        yield table, columns, batch
                        batch = []
                if batch:
                    yield table, columns, batch

    async def add_rows(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        async with self._pool.acquire() as db, db.transaction():
            await db.copy_records_to_table(table, records=rows, columns=list(columns))
            if table == "erasures":
                await follow_numbers(db)

    async def clear_rows(self, tables: Sequence[str]) -> None:
        """Every row of ``tables`` deleted, in one transaction (children listed after their parents)."""
        async with self._pool.acquire() as db, db.transaction():
            for table in reversed(tables):
                await db.execute(f"DELETE FROM {table}")
        await self.vacuum()

    async def other_instances(self) -> list[str]:
        """Instances with a connection to this database now, besides this one (by their connections' names)."""
        rows = await self._rows(
            "SELECT DISTINCT application_name FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name LIKE 'goodwork %' AND application_name <> $1 "
            "ORDER BY 1",
            f"goodwork {self.instance}"[:63],
        )
        return [row[0].removeprefix("goodwork ") for row in rows]

    async def row_counts(self, tables: Sequence[str]) -> dict[str, int]:
        return {table: await self._pool.fetchval(f"SELECT count(*) FROM {table}") for table in tables}

    async def beat(self, instance: str, loop: str, at: datetime) -> None:
        await self._pool.execute(
            "INSERT INTO heartbeats (instance, loop, beat) VALUES ($1, $2, $3) "
            "ON CONFLICT (instance, loop) DO UPDATE SET beat = excluded.beat",
            instance,
            loop,
            utc_text(at),
        )

    async def beats(self) -> list[Beat]:
        rows = await self._rows("SELECT instance, loop, beat FROM heartbeats ORDER BY instance, loop")
        return [Beat(instance, loop, datetime.fromisoformat(at)) for instance, loop, at in rows]

    async def backlog(self, now: datetime) -> Backlog:
        row = await self._pool.fetchrow(
            "SELECT count(*), min(due) FROM outbox WHERE status = 'pending' AND due <= $1", utc_text(now)
        )
        return Backlog(row[0], None if row[1] is None else datetime.fromisoformat(row[1]))
