"""Published dialogue and course versions, for ``PostgresStore`` (as in ``sqlite.py``): numbered 1, 2, ... per
dialogue or course; instances publishing the same text at once (each syncs the dialogues folder at start) take
turns under a transaction advisory lock, so it becomes one version."""

from __future__ import annotations

import hashlib
from datetime import datetime

import asyncpg

from bot.dialogue.model import DialogueId
from bot.store.postgres_parts import PostgresParts
from bot.store.protocol import Version
from bot.store.sqlite_writes import VERSIONED

PUBLISHING = 1  # advisory lock namespace: publishing a version


class ContentQueries(PostgresParts):
    async def publish(self, dialogue: DialogueId, source: str, published_by: str, update: int | None = None) -> Version:
        await self._publish("dialogue_versions", dialogue, source, published_by, update)
        published = await self.version(dialogue)
        assert published is not None
        return published

    async def publish_course(self, course: str, source: str, published_by: str, update: int | None = None) -> Version:
        await self._publish("course_versions", course, source, published_by, update)
        published = await self.course_version(course)
        assert published is not None
        return published

    async def _publish(self, table: str, item: str, source: str, published_by: str, update: int | None) -> None:
        """The next version of ``item`` unless its newest has this text; instances publishing at once take turns."""
        digest, at, key = (
            hashlib.sha256(source.encode()).hexdigest(),
            self._now().isoformat(timespec="seconds"),
            VERSIONED[table],
        )

        async def work(db: asyncpg.Connection) -> None:
            await db.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", PUBLISHING, f"{table}:{item}")
            newest = await db.fetchrow(
                f"SELECT version, sha256 FROM {table} WHERE {key} = $1 ORDER BY version DESC LIMIT 1", item
            )
            if newest is not None and newest[1] == digest:
                return
            number = newest[0] + 1 if newest else 1
            await db.execute(
                f"INSERT INTO {table} VALUES ($1, $2, $3, $4, $5, $6)", item, number, source, digest, published_by, at
            )

        await self._apply(update, work)

    async def course_version(self, course: str) -> Version | None:
        found = await self._versions("course_versions", course, limit=1)
        return found[0] if found else None

    async def course_ids(self) -> list[str]:
        return [course for (course,) in await self._rows("SELECT DISTINCT course FROM course_versions ORDER BY 1")]

    async def version(self, dialogue: DialogueId, number: int | None = None) -> Version | None:
        found = await self._versions("dialogue_versions", dialogue, number, limit=1)
        return found[0] if found else None

    async def versions(self, dialogue: DialogueId) -> list[Version]:
        return await self._versions("dialogue_versions", dialogue)

    async def dialogue_ids(self) -> list[DialogueId]:
        rows = await self._rows("SELECT DISTINCT dialogue FROM dialogue_versions ORDER BY dialogue")
        return [DialogueId(dialogue) for (dialogue,) in rows]

    async def first_published(self) -> dict[DialogueId, datetime]:
        rows = await self._rows("SELECT dialogue, min(published_at) FROM dialogue_versions GROUP BY dialogue")
        return {DialogueId(dialogue): datetime.fromisoformat(at) for dialogue, at in rows}

    async def newest_versions(self) -> dict[DialogueId, int]:
        rows = await self._rows("SELECT dialogue, max(version) FROM dialogue_versions GROUP BY dialogue")
        return {DialogueId(dialogue): number for dialogue, number in rows}

    async def _versions(
        self, table: str, item: str, number: int | None = None, limit: int | None = None
    ) -> list[Version]:
        rows = await self._rows(
            f"SELECT {VERSIONED[table]}, version, source, sha256, published_by, published_at FROM {table} "
            f"WHERE {VERSIONED[table]} = $1 AND ($2::integer IS NULL OR version = $2) ORDER BY version DESC LIMIT $3",
            item,
            number,
            limit,
        )
        return [Version(DialogueId(d), n, src, sha, by, datetime.fromisoformat(at)) for d, n, src, sha, by, at in rows]
