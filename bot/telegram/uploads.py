"""Trainers in chat: send a dialogue or course file and see its problems, or a summary with
Preview/Publish/Discard; the buttons of drafts, previews and rollbacks arrive here too.

Only ids in ``GOODWORK_TRAINERS`` get here; the router and the commands check first. This module takes a
file in and checks it (``checking.py``, away from the event loop); the preview is driven by ``preview.py``,
publishing, ``/versions`` and ``/graph`` by ``versions.py``, and a draft is kept as ``drafts.Draft``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from telegram import Document, Message

from bot.dialogue import engine
from bot.dialogue.course import CheckedCourse
from bot.dialogue.files import SUFFIXES
from bot.dialogue.loader import Checked
from bot.dialogue.model import Choice, Dialogue, Node
from bot.dialogue.problems import Problem
from bot.dialogue.yamltree import MAX_BYTES
from bot.store.errors import UnknownDialogueError
from bot.telegram import versions as versioning
from bot.telegram.callbacks import DraftButton, PreviewButton, RollbackButton
from bot.telegram.checking import BUDGET, check_upload
from bot.telegram.drafts import Draft, draft_keyboard, trainer_of
from bot.telegram.errors import CheckFailedError, CheckTooLongError
from bot.telegram.preview import preview_step
from bot.telegram.services import Services, Turn
from bot.telegram.texts import fit, text

SHOWN_CHANGES = 20  # node ids listed per kind of change


@dataclass
class Uploads:
    services: Services
    drafts: dict[int, Draft] = field(default_factory=dict)  # per trainer's Telegram id: their last upload
    _count: int = 0

    # -- a file arrives ----------------------------------------------------------------------------

    async def document(self, turn: Turn, document: Document) -> None:
        """Check the file and answer with its problems, or with a summary and Preview/Publish/Discard."""
        name = document.file_name or ""
        if PurePosixPath(name.lower()).suffix not in SUFFIXES:
            return await self._say(turn, "upload_wrong_type")
        if document.file_size is not None and document.file_size > MAX_BYTES:
            return await self._reply(turn, _too_big(document.file_size, turn.language))
        data = await self.services.renderer.download(document.file_id)
        if len(data) > MAX_BYTES:
            return await self._reply(turn, _too_big(len(data), turn.language))
        if b"\x00" in data or not _utf8(data):
            return await self._say(turn, "upload_not_utf8", filename=name)
        checked = await self._check(turn, data, name)
        if isinstance(checked, CheckedCourse):
            return await self._course(turn, checked, data, name)
        if checked is None:
            return None
        if checked.dialogue is None:
            return await self._reply(turn, problems_text(name, checked.problems, turn.language))
        self._count += 1
        draft = Draft(self._count, data, name, checked.dialogue)
        self.drafts[trainer_of(turn)] = draft
        summary = await self._summary(draft, [p for p in checked.problems if not p.is_error], turn.language)
        await self.services.renderer.send(turn.chat_id, summary, draft_keyboard(draft, turn.language))

    async def _check(self, turn: Turn, data: bytes, name: str) -> Checked | CheckedCourse | None:
        """The checks of ``goodwork validate`` (images looked up in the dialogues folder), away from the event
        loop and within a time budget; None, after telling the trainer, when they could not finish."""
        try:
            return await check_upload(data, name, self.services.settings.dialogues, BUDGET)
        except CheckTooLongError:
            await self._say(turn, "upload_too_slow", filename=name, seconds=int(BUDGET))
        except CheckFailedError:
            await self._say(turn, "upload_check_failed", filename=name)
        return None

    async def _course(self, turn: Turn, checked: CheckedCourse, data: bytes, name: str) -> None:
        """A course file: its problems, or a summary with Publish/Discard (there is nothing to preview)."""
        if checked.course is None:
            return await self._reply(turn, problems_text(name, checked.problems, turn.language))
        published = set(await self.services.store.dialogue_ids())
        missing = [f.dialogue for f in checked.course.followups if f.dialogue not in published]
        if missing:
            return await self._say(turn, "course_upload_missing", course=checked.course.id, ids=", ".join(missing))
        self._count += 1
        draft = Draft(self._count, data, name, None, course=checked.course)
        self.drafts[trainer_of(turn)] = draft
        course = checked.course
        summary = text(
            "course_upload_summary",
            turn.language,
            course=course.id,
            title=course.title.get(turn.language),
            plan=", ".join(f"{f.after} {f.dialogue}" for f in course.followups),
        )
        await self.services.renderer.send(turn.chat_id, summary, draft_keyboard(draft, turn.language))

    async def _summary(self, draft: Draft, warnings: list[Problem], language: str) -> str:
        dialogue = draft.dialogue
        assert dialogue is not None
        title = " / ".join(dialogue.title.get(shown) for shown in dialogue.languages)
        lines = [
            f"{dialogue.id}: {title}",
            text("upload_languages", language, languages=", ".join(dialogue.languages), nodes=len(dialogue.nodes)),
        ]
        try:
            live: Dialogue | None = await self.services.catalogue.get(dialogue.id)
        except UnknownDialogueError:
            live = None
        lines += changes(live, dialogue, language)
        if warnings:
            warned = [_position(p, language) for p in warnings[:10]]
            lines += ["", text("upload_warnings", language, count=len(warnings)), *warned]
        return fit(lines, language)

    # -- buttons ---------------------------------------------------------------------------------

    async def draft_button(self, turn: Turn, pressed: DraftButton, message: Message | None) -> None:
        draft = self.drafts.get(trainer_of(turn))
        if draft is None or draft.number != pressed.draft:
            return await self.services.answer(turn, "stale_button")
        await self.services.answer(turn)
        if pressed.action == "discard":
            del self.drafts[trainer_of(turn)]
            await self.services.renderer.remove_keyboard(message)
            return await self._say(turn, "draft_discarded", dialogue=draft.id)
        if pressed.action == "publish":
            await self.services.renderer.remove_keyboard(message)
            del self.drafts[trainer_of(turn)]
            if draft.course is not None:
                return await versioning.publish_course(self.services, turn, draft)
            assert draft.dialogue is not None
            return await versioning.publish(
                self.services, turn, draft.dialogue, draft.source, versioning.by_trainer(self.services, turn)
            )
        if draft.dialogue is None:
            return None
        draft.preview = None
        await self._say(turn, "preview_start", dialogue=draft.dialogue.id)
        await preview_step(self.services, turn, draft, engine.Start(turn.language), None)

    async def preview_button(self, turn: Turn, pressed: PreviewButton, message: Message | None) -> None:
        draft = self.drafts.get(trainer_of(turn))
        if draft is None or draft.preview is None:
            return await self.services.answer(turn, "stale_button")
        event: engine.Event = (
            engine.Choose(pressed.option, pressed.node) if pressed.option is not None else engine.Skip(pressed.node)
        )
        await preview_step(self.services, turn, draft, event, message)

    async def rollback_button(self, turn: Turn, pressed: RollbackButton, message: Message | None) -> None:
        old = await self.services.store.version(pressed.dialogue, pressed.version)
        if old is None:
            return await self.services.answer(turn, "stale_button")
        await self.services.answer(turn)
        await self.services.renderer.remove_keyboard(message)
        checked = await self._check(turn, old.source.encode(), f"{old.dialogue} (version {old.number})")
        if isinstance(checked, Checked) and checked.dialogue is not None:
            by = f"{versioning.by_trainer(self.services, turn)} (rollback to {old.number})"
            await versioning.publish(self.services, turn, checked.dialogue, old.source.encode(), by)

    # -- preview ---------------------------------------------------------------------------------

    def previewing(self, turn: Turn) -> bool:
        draft = self.drafts.get(trainer_of(turn))
        return draft is not None and draft.preview is not None

    async def preview_text(self, turn: Turn, body: str) -> None:
        """Typed text while a preview is open answers the preview's reflection."""
        await preview_step(self.services, turn, self.drafts[trainer_of(turn)], engine.Answer(body), None)

    # -- versions and pictures -------------------------------------------------------------------

    async def versions(self, turn: Turn, argument: str) -> None:
        await versioning.versions(self.services, turn, argument)

    async def graph(self, turn: Turn, argument: str) -> None:
        await versioning.graph(self.services, turn, argument)

    async def _reply(self, turn: Turn, body: str) -> None:
        await self.services.renderer.send(turn.chat_id, body)

    async def _say(self, turn: Turn, key: str, **values: object) -> None:
        await self._reply(turn, text(key, turn.language, **values))


def problems_text(name: str, problems: tuple[Problem, ...], language: str) -> str:
    """Every problem as ``line:column: message``, as many as fit in one message, then "…and N more"."""
    head = text("upload_problems", language, filename=name, count=sum(p.is_error for p in problems))
    return fit([head, *(_position(p, language) for p in problems)], language)


def changes(live: Dialogue | None, draft: Dialogue, language: str) -> list[str]:
    """What the draft changes against the live version: node ids added, removed, or with other texts."""
    if live is None:
        return [text("upload_new", language)]
    added = [node for node in draft.nodes if node not in live.nodes]
    removed = [node for node in live.nodes if node not in draft.nodes]
    changed = [
        node for node in draft.nodes if node in live.nodes and _texts(draft.nodes[node]) != _texts(live.nodes[node])
    ]
    lines = [text("upload_against", language, version=live.version)]
    for key, ids in (("upload_added", added), ("upload_removed", removed), ("upload_changed", changed)):
        if ids:
            more = " " + text("and_more", language, count=len(ids) - SHOWN_CHANGES) if len(ids) > SHOWN_CHANGES else ""
            lines.append(text(key, language, ids=", ".join(ids[:SHOWN_CHANGES]) + more))
    if len(lines) == 1:
        lines.append(text("upload_unchanged", language))
    return lines


def _texts(node: Node) -> tuple[tuple[tuple[str, str], ...], ...]:
    found = list(getattr(node, "say", ()))
    ask = getattr(node, "ask", None)
    if ask is not None:
        found.append(ask)
    if isinstance(node, Choice):
        found += [option.label for option in node.options]
    return tuple(tuple(sorted(t.by_language.items())) for t in found)


def _position(problem: Problem, language: str) -> str:
    label = text("upload_warning_label", language) + ": " if problem.severity == "warning" else ""
    return f"{problem.mark.line}:{problem.mark.column}: {label}{problem.message}"


def _too_big(size: int, language: str) -> str:
    return text("upload_too_big", language, size=_number(size, language), maximum=_number(MAX_BYTES, language))


def _number(value: int, language: str) -> str:
    """``value`` with thousands separators: 1,000,000 in English, 1.000.000 in Dutch."""
    return f"{value:,}".replace(",", text("thousands_separator", language))


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
