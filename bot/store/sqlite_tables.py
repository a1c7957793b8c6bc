"""Whole tables, row by row, for ``goodwork db copy`` (``copy.py``), on ``SqliteStore``.

Table names come from the code (``copy.COPIED``), never from input.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from bot.store.sqlite_parts import SqliteParts

BATCH = 5000  # rows read or written at a time


class TableRows(SqliteParts):
    async def rows_of(self, tables: Sequence[str]) -> AsyncIterator[tuple[str, list[str], list[tuple[Any, ...]]]]:
        """Each table's rows in batches (table, column names, rows), all read in one snapshot."""
        await self._reader.execute("BEGIN")
        try:
            for table in tables:
                async with self._reader.execute(f"SELECT * FROM {table}") as cursor:
                    columns = [column[0] for column in cursor.description]
                    while rows := await cursor.fetchmany(BATCH):
                        yield table, columns, [tuple(row) for row in rows]
        finally:
            await self._reader.execute("COMMIT")

    async def add_rows(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        adding = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        await self._writer.transaction(lambda db: db.executemany(adding, rows))

    async def row_counts(self, tables: Sequence[str]) -> dict[str, int]:
        return {table: (await self._rows(f"SELECT count(*) FROM {table}"))[0][0] for table in tables}
