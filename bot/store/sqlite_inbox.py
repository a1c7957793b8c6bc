"""The inbox: Telegram updates taken over from Telegram before they were handled, sealed until they are.

The poller confirms an update to Telegram only once it is handled, so one update
that waits (for a chat Telegram limits, say) holds back the offset, and after a
hundred more Telegram sends nothing new. Such updates are spilled here (sealed:
a raw update holds names and text) so that the offset can move on; after a crash,
the bot handles what is left here before it polls again.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.sqlite_parts import SqliteParts


class InboxQueries(SqliteParts):
    """Mixed into ``SqliteStore``: it provides ``_writer``, ``_keys``, ``_rows`` and ``_now``."""

    async def spill(self, updates: Sequence[tuple[int, str]]) -> None:
        """Keep these raw updates (update id, JSON), sealed, until ``unspill``."""
        day = self._now().date().isoformat()
        rows = [(update_id, self._keys.seal_update(update_id, raw), day) for update_id, raw in updates]
        keeping = "INSERT INTO inbox (update_id, sealed, day) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
        await self._writer.transaction(lambda db: db.executemany(keeping, rows))

    async def spilled(self) -> list[tuple[int, str]]:
        """The updates kept and not yet handled, oldest first, unsealed."""
        rows = await self._rows("SELECT update_id, sealed FROM inbox ORDER BY update_id")
        return [(update_id, self._keys.open_update(sealed, update_id)) for update_id, sealed in rows]

    async def unspill(self, update_ids: Sequence[int]) -> None:
        """These updates are handled: they are not kept any longer."""
        ids = [(update_id,) for update_id in update_ids]
        await self._writer.transaction(lambda db: db.executemany("DELETE FROM inbox WHERE update_id = ?", ids))
