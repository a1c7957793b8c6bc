"""What the query mixins (courses, trainers) use of ``SqliteStore``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.store.sqlite_writer import Writer


class SqliteParts:
    _writer: Writer

    async def _rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def _now(self) -> datetime:
        raise NotImplementedError
