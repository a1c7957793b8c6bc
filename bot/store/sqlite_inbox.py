"""The inbox: Telegram updates taken over from Telegram before they were handled, sealed until they are.

The poller confirms an update to Telegram only once it is handled, so one update
that waits (for a chat Telegram limits, say) holds back the offset, and after a
hundred more Telegram sends nothing new. Such updates are spilled here (sealed:
a raw update holds names and text) so that the offset can move on; a webhook
keeps every update here before it answers Telegram. After a crash, the bot
handles what is left here before it takes new updates.

Each row names the instance that took it (``GOODWORK_INSTANCE``): with several
instances on one database, an instance that restarts handles its own rows, and
the rows of an instance whose receiving loop stopped beating (``LOOP_STALE``)
are taken over by another (``spilled(others_only=True)``, asked now and then).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.protocol import LOOP_STALE, RECEIVING
from bot.store.sqlite_courses import utc_text
from bot.store.sqlite_parts import SqliteParts

_ALIVE = f"SELECT instance FROM heartbeats WHERE loop IN {RECEIVING!r} AND beat >= ?"
_TAKE = (
    "UPDATE inbox SET instance = ?1 WHERE instance IS NULL OR (instance = ?1 AND NOT ?3) "
    f"OR (instance <> ?1 AND instance NOT IN ({_ALIVE.replace('?', '?2')})) RETURNING update_id, sealed"
)


class InboxQueries(SqliteParts):
    """Mixed into ``SqliteStore``: it provides ``_writer``, ``_keys``, ``instance`` and ``_now``."""

    instance: str

    async def spill(self, updates: Sequence[tuple[int, str]]) -> None:
        """Keep these raw updates (update id, JSON), sealed, until ``unspill``."""
        day = self._now().date().isoformat()
        rows = [(update_id, self._keys.seal_update(update_id, raw), day, self.instance) for update_id, raw in updates]
        keeping = "INSERT INTO inbox (update_id, sealed, day, instance) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
        await self._writer.transaction(lambda db: db.executemany(keeping, rows))

    async def spilled(self, others_only: bool = False) -> list[tuple[int, str]]:
        """The updates kept and not yet handled that are now this instance's, oldest first, unsealed: its own
        (unless ``others_only``), and those of instances that stopped, which it takes over."""
        alive_since = utc_text(self._now() - LOOP_STALE)
        values = (self.instance, alive_since, int(others_only))
        rows = await self._writer.transaction(lambda db: db.execute(_TAKE, values).fetchall())
        return [(update_id, self._keys.open_update(sealed, update_id)) for update_id, sealed in sorted(rows)]

    async def unspill(self, update_ids: Sequence[int]) -> None:
        """These updates are handled: they are not kept any longer."""
        ids = [(update_id,) for update_id in update_ids]
        await self._writer.transaction(lambda db: db.executemany("DELETE FROM inbox WHERE update_id = ?", ids))
