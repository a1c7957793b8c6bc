"""What instances sharing a PostgreSQL database take turns at: one person's updates, and sending.

Both are session advisory locks, so that the server drops them when their
holder's connection goes (a killed instance holds nothing). They live on a few
connections of their own, outside the query pool:

- **A person's lock** is taken with ``pg_try_advisory_lock`` on one of ``SESSIONS``
  connections (chosen by the person, so the same one unlocks), never with a
  waiting ``pg_advisory_lock``: a connection runs one statement at a time, and
  one person's wait must not hold up another's. While another instance holds it,
  the try is repeated after a short, growing pause (rare: Telegram sends one
  chat's updates one at a time; only a redelivery or two quick updates spread
  over both instances meet). Nothing is held while the update is handled but
  the lock itself, so a paced reply waiting between messages costs no connection.
- **The turn to send** is one lock held on a connection of its own for as long as
  this instance sends (``take_sending``).

Person locks use the single 64-bit key form (the first 8 bytes of a SHA-256 of
the contact pseudonym); the others (publishing, sending, migrating) the two-key
form, which PostgreSQL keeps apart from it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.store.keys import Pseudonym

SESSIONS = 4  # connections holding people's locks
FIRST_PAUSE, LONGEST_PAUSE = 0.005, 0.2  # seconds between tries while another instance holds a person's lock
SENDING = 3  # the two-key namespace of the turn to send


class Locks:
    def __init__(self, url: str, settings: dict[str, str]) -> None:
        self.url, self.settings = url, settings
        self._sessions: list[asyncpg.Connection | None] = [None] * SESSIONS
        self._turns = [asyncio.Lock() for _ in range(SESSIONS)]  # one statement at a time on each connection
        self._sender: asyncpg.Connection | None = None

    @asynccontextmanager
    async def person(self, contact: Pseudonym) -> AsyncIterator[None]:
        """Held while an update of ``contact`` is handled; waits while another instance holds it."""
        key = int.from_bytes(hashlib.sha256(contact.encode()).digest()[:8], "big", signed=True)
        session, pause = key % SESSIONS, FIRST_PAUSE
        while not await self._on(session, "SELECT pg_try_advisory_lock($1)", key):
            await asyncio.sleep(pause)
            pause = min(2 * pause, LONGEST_PAUSE)
        try:
            yield
        finally:  # on a connection lost meanwhile the lock went with it, and this unlocks nothing
            await self._on(session, "SELECT pg_advisory_unlock($1)", key)

    async def _on(self, session: int, sql: str, *args: Any) -> Any:
        """``sql`` on the session's connection; one that fails is dropped (its locks went with it on the
        server) and the next call makes a new one."""
        async with self._turns[session]:
            connection = self._sessions[session]
            if connection is None or connection.is_closed():
                connection = self._sessions[session] = await asyncpg.connect(self.url, server_settings=self.settings)
            try:
                return await connection.fetchval(sql, *args)
            except Exception:
                connection.terminate()
                self._sessions[session] = None
                raise

    async def sending(self) -> bool:
        """Whether this instance is the one that sends (taking the turn if no one has it)."""
        if self._sender is not None:
            try:
                await self._sender.fetchval("SELECT 1")
                return True
            except Exception:  # the connection, and the turn with it, are lost (however asyncpg says so)
                self._sender.terminate()
                self._sender = None
        sender = await asyncpg.connect(self.url, server_settings=self.settings)
        if await sender.fetchval("SELECT pg_try_advisory_lock($1, 0)", SENDING):
            self._sender = sender
            return True
        await sender.close()
        return False

    async def close(self) -> None:
        for connection in [self._sender, *self._sessions]:
            if connection is not None and not connection.is_closed():
                await connection.close()
        self._sessions, self._sender = [None] * SESSIONS, None
