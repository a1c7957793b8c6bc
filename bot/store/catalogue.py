"""Published dialogue versions as loaded ``Dialogue`` values, each parsed once.

The store numbers versions (1, 2, …) as they are published; a loaded
dialogue carries that number, so a conversation stays pinned to the version it
started on while new conversations get the newest.

Which version is the newest is kept in memory too: read in one query (no sources),
updated at once when this process publishes, and read again at most every
``REFRESH`` seconds (another process, ``goodwork dialogues publish`` say, may have
published meanwhile) or when a dialogue is asked for that it does not know yet.
An update never reads a dialogue's source.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bot.dialogue.course import Course, CourseId, load_course
from bot.dialogue.files import check_paths
from bot.dialogue.loader import load_dialogue
from bot.dialogue.model import Dialogue, DialogueId
from bot.store.errors import UnknownDialogueError
from bot.store.protocol import Store, Version

REFRESH = 10.0  # seconds the newest version numbers are trusted before they are read again


@dataclass(frozen=True, slots=True)
class Synced:
    published: tuple[DialogueId, ...]
    problems: tuple[str, ...]


class Catalogue:
    def __init__(self, store: Store) -> None:
        self._store, self._loaded = store, dict[tuple[DialogueId, int], Dialogue]()
        self._newest: dict[DialogueId, int] = {}
        self._newest_read = -math.inf  # time.monotonic() when the newest numbers were last read

    async def publish(
        self, source: bytes, path: str, published_by: str, base_dir: Path | None = None, update: int | None = None
    ) -> Dialogue:
        """Check ``source`` (raising LoadError with every problem) and store it as the next version."""
        return await self.publish_checked(load_dialogue(source, path, base_dir), source, published_by, update)

    async def publish_checked(
        self, dialogue: Dialogue, source: bytes, published_by: str, update: int | None = None
    ) -> Dialogue:
        """Store ``source``, already checked as ``dialogue``, as the next version."""
        version = await self._store.publish(dialogue.id, source.decode(), published_by, update)
        return self._remember(replace(dialogue, version=version.number))

    async def get(self, dialogue: DialogueId, number: int | None = None) -> Dialogue:
        """Version ``number`` of ``dialogue`` (its newest if None), or UnknownDialogueError."""
        if number is None:
            number = (await self._newest_numbers(dialogue)).get(dialogue)
        if number is not None and (dialogue, number) in self._loaded:
            return self._loaded[dialogue, number]
        version = await self._store.version(dialogue, number)
        if version is None:
            wanted = f"version {number} of " if number is not None else ""
            raise UnknownDialogueError(f"{wanted}dialogue {dialogue!r} has not been published")
        return self._loaded.get((dialogue, version.number)) or self._remember(_load(version))

    async def published(self) -> list[Dialogue]:
        """The newest version of every published dialogue, by id; each parsed once, sources read only when new."""
        newest = await self._newest_numbers()
        return [await self.get(dialogue, number) for dialogue, number in sorted(newest.items())]

    async def _newest_numbers(self, wanted: DialogueId | None = None) -> dict[DialogueId, int]:
        """Each dialogue's newest version number: from memory, read again when stale or ``wanted`` is unknown."""
        if time.monotonic() - self._newest_read > REFRESH or (wanted is not None and wanted not in self._newest):
            self._newest = await self._store.newest_versions()
            self._newest_read = time.monotonic()
        return self._newest

    async def sync(self, folder: Path, published_by: str) -> Synced:
        """Publish every valid dialogue in ``folder`` whose text is new; report the broken ones.

        A broken file never replaces the version already published, and a file whose text was published
        before (a trainer has published a newer one in chat since) does not roll that newer one back.
        """
        report = check_paths([folder])
        broken = {problem.path for problem in report.errors}
        published = []
        for dialogue_id, path in sorted(report.sources.items()):
            source = Path(path).read_bytes()
            if path in broken or await self._published_before(dialogue_id, source):
                continue
            await self.publish(source, path, published_by, Path(path).parent)
            published.append(dialogue_id)
        for course_id, path in sorted(report.course_sources.items()):
            if path not in broken and course_id in report.courses:
                before_course = await self._store.course_version(course_id)
                version = await self._store.publish_course(course_id, Path(path).read_text("utf-8"), published_by)
                if before_course is None or before_course.number != version.number:
                    published.append(DialogueId(f"course {course_id}"))
        return Synced(tuple(published), tuple(str(problem) for problem in report.errors))

    async def _published_before(self, dialogue: DialogueId, source: bytes) -> bool:
        digest = hashlib.sha256(source).hexdigest()
        return any(version.sha256 == digest for version in await self._store.versions(dialogue))

    async def publish_course(self, source: bytes, path: str, published_by: str, update: int | None = None) -> Course:
        """Check a course file (LoadError with every problem) and store it as the course's next version."""
        course = load_course(source, path)
        await self._store.publish_course(course.id, source.decode(), published_by, update)
        return course

    async def course(self, course_id: str) -> Course | None:
        """The newest published version of one course, or None."""
        version = await self._store.course_version(course_id)
        return None if version is None else load_course(version.source.encode(), f"course {course_id}")

    async def courses(self) -> dict[CourseId, Course]:
        """The newest published version of every course."""
        found = {}
        for course_id in await self._store.course_ids():
            course = await self.course(course_id)
            if course is not None:
                found[CourseId(course_id)] = course
        return found

    def _remember(self, dialogue: Dialogue) -> Dialogue:
        self._loaded[dialogue.id, dialogue.version] = dialogue
        if dialogue.version > self._newest.get(dialogue.id, 0):
            self._newest[dialogue.id] = dialogue.version
        return dialogue


def _load(version: Version) -> Dialogue:
    loaded = load_dialogue(version.source.encode(), f"{version.dialogue} (version {version.number})")
    return replace(loaded, version=version.number)
