"""What ``goodwork health`` and the metrics read: heartbeats of the running loops, and how far behind the outbox is."""

from __future__ import annotations

from datetime import datetime

from bot.store.protocol import Backlog, Beat
from bot.store.sqlite_courses import utc_text
from bot.store.sqlite_parts import SqliteParts


class HealthQueries(SqliteParts):
    """Mixed into ``SqliteStore``: it provides ``_writer`` and ``_rows``."""

    async def beat(self, instance: str, loop: str, at: datetime) -> None:
        """``loop`` of ``instance`` went round at ``at``."""
        await self._writer.transaction(
            lambda db: db.execute(
                "INSERT INTO heartbeats (instance, loop, beat) VALUES (?, ?, ?) "
                "ON CONFLICT (instance, loop) DO UPDATE SET beat = excluded.beat",
                (instance, loop, utc_text(at)),
            )
        )

    async def beats(self) -> list[Beat]:
        """Every loop's last beat, of every instance that ever ran on this database."""
        rows = await self._rows("SELECT instance, loop, beat FROM heartbeats ORDER BY instance, loop")
        return [Beat(instance, loop, datetime.fromisoformat(at)) for instance, loop, at in rows]

    async def backlog(self, now: datetime) -> Backlog:
        """Outbox rows due by ``now`` and not sent, and the oldest one's due time (from the index by due)."""
        ((due, oldest),) = await self._rows(
            "SELECT count(*), min(due) FROM outbox WHERE status = 'pending' AND due <= ?", [utc_text(now)]
        )
        return Backlog(due, None if oldest is None else datetime.fromisoformat(oldest))
