"""Trainers in chat: send a dialogue file, see its problems or a summary, preview, publish or discard it;
/versions ID with rollback; /graph ID as a picture.

Only ids in ``GOODWORK_TRAINERS`` get here; the router and the commands check first. A draft is the last
file a trainer sent, kept in memory (never in the database), with the state of its preview if one is open.
A preview is played with the engine directly: nothing of it is counted or stored.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from telegram import Document, InlineKeyboardMarkup, Message

from bot.dialogue import engine
from bot.dialogue.course import CheckedCourse, Course
from bot.dialogue.events import AskChoice, AskText, Chosen, Output
from bot.dialogue.files import SUFFIXES
from bot.dialogue.loader import Checked
from bot.dialogue.model import Choice, Dialogue, DialogueId, Node
from bot.dialogue.problems import Problem
from bot.dialogue.state import State
from bot.dialogue.yamltree import MAX_BYTES
from bot.store.errors import UnknownDialogueError
from bot.store.protocol import Version
from bot.telegram.callbacks import DraftButton, PreviewButton, RollbackButton
from bot.telegram.checking import BUDGET, check_upload
from bot.telegram.errors import CheckFailedError, CheckTooLongError
from bot.telegram.pictures import graph_caption, send_graph
from bot.telegram.render import keyboard
from bot.telegram.services import Services, Turn
from bot.telegram.texts import fit, text

SHOWN_CHANGES = 20  # node ids listed per kind of change
_ROLLED_BACK = re.compile(r"(.+?)(?: \(rollback to ([0-9]+)\)|, rollback to ([0-9]+))")
_BY_TRAINER = re.compile(r"trainer ([0-9a-f]{8}) in chat")
_BY_COMMAND_LINE = re.compile(r"command line \((.*)\)")
_BY_NAMED = {
    "a trainer in chat": "versions_by_a_trainer",
    "goodwork run": "versions_by_start",
    "goodwork play": "versions_by_play",
}


@dataclass(slots=True)
class Draft:
    number: int
    source: bytes
    filename: str
    dialogue: Dialogue | None  # a dialogue draft, or
    preview: State | None = None
    course: Course | None = None  # a course draft (no preview)

    @property
    def id(self) -> str:
        return self.dialogue.id if self.dialogue else self.course.id if self.course else ""


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
        self.drafts[_user(turn)] = draft
        summary = await self._summary(draft, [p for p in checked.problems if not p.is_error], turn.language)
        await self.services.renderer.send(turn.chat_id, summary, _draft_keyboard(draft, turn.language))

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
        self.drafts[_user(turn)] = draft
        course = checked.course
        summary = text(
            "course_upload_summary",
            turn.language,
            course=course.id,
            title=course.title.get(turn.language),
            plan=", ".join(f"{f.after} {f.dialogue}" for f in course.followups),
        )
        await self.services.renderer.send(turn.chat_id, summary, _draft_keyboard(draft, turn.language))

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
        draft = self.drafts.get(_user(turn))
        if draft is None or draft.number != pressed.draft:
            return await self.services.answer(turn, "stale_button")
        await self.services.answer(turn)
        if pressed.action == "discard":
            del self.drafts[_user(turn)]
            await self.services.renderer.remove_keyboard(message)
            return await self._say(turn, "draft_discarded", dialogue=draft.id)
        if pressed.action == "publish":
            await self.services.renderer.remove_keyboard(message)
            del self.drafts[_user(turn)]
            if draft.course is not None:
                return await self._publish_course(turn, draft)
            assert draft.dialogue is not None
            return await self._publish(turn, draft.dialogue, draft.source, self._publisher(turn))
        if draft.dialogue is None:
            return None
        draft.preview = None
        await self._say(turn, "preview_start", dialogue=draft.dialogue.id)
        await self._preview_step(turn, draft, engine.Start(turn.language), None)

    async def preview_button(self, turn: Turn, pressed: PreviewButton, message: Message | None) -> None:
        draft = self.drafts.get(_user(turn))
        if draft is None or draft.preview is None:
            return await self.services.answer(turn, "stale_button")
        event: engine.Event = (
            engine.Choose(pressed.option, pressed.node) if pressed.option is not None else engine.Skip(pressed.node)
        )
        await self._preview_step(turn, draft, event, message)

    async def rollback_button(self, turn: Turn, pressed: RollbackButton, message: Message | None) -> None:
        old = await self.services.store.version(pressed.dialogue, pressed.version)
        if old is None:
            return await self.services.answer(turn, "stale_button")
        await self.services.answer(turn)
        await self.services.renderer.remove_keyboard(message)
        checked = await self._check(turn, old.source.encode(), f"{old.dialogue} (version {old.number})")
        if isinstance(checked, Checked) and checked.dialogue is not None:
            by = f"{self._publisher(turn)} (rollback to {old.number})"
            await self._publish(turn, checked.dialogue, old.source.encode(), by)

    # -- preview ---------------------------------------------------------------------------------

    def previewing(self, turn: Turn) -> bool:
        draft = self.drafts.get(_user(turn))
        return draft is not None and draft.preview is not None

    async def preview_text(self, turn: Turn, body: str) -> None:
        """Typed text while a preview is open answers the preview's reflection."""
        draft = self.drafts[_user(turn)]
        await self._preview_step(turn, draft, engine.Answer(body), None)

    async def _preview_step(self, turn: Turn, draft: Draft, event: engine.Event, pressed: Message | None) -> None:
        assert draft.dialogue is not None  # only dialogue drafts have a preview
        try:
            moved = engine.step(draft.dialogue, draft.preview, event)
        except engine.EngineError as exc:
            if pressed is not None or turn.update.callback_query is not None:
                return await self.services.answer(turn, "stale_button")
            if isinstance(exc, engine.AnswerLengthError):
                return await self.services.refuse(turn, exc)
            return await self.services.say(turn, "text_expected_choice")
        if turn.update.callback_query is not None:
            await self.services.answer(turn)
        draft.preview = moved.state
        language = moved.state.language
        await self.services.renderer.outputs(
            turn.chat_id, _preview_outputs(moved.outputs), language, _no_peers(turn.language), pressed=pressed
        )
        if moved.state.done:
            draft.preview = None
            ended = text("preview_end", turn.language, dialogue=draft.dialogue.id)
            await self.services.renderer.send(turn.chat_id, ended, _draft_keyboard(draft, turn.language))

    # -- publishing, versions and pictures -------------------------------------------------------

    async def _publish_course(self, turn: Turn, draft: Draft) -> None:
        """The course as its next version; new joiners of its tranches get the new plan at once."""
        source, filename, by = draft.source, draft.filename, self._publisher(turn)
        course = await turn.receipt.commit(
            lambda update: self.services.catalogue.publish_course(source, filename, by, update)
        )
        version = await self.services.store.course_version(course.id)
        if self.services.courses is not None:
            self.services.courses.remember(course)
        await self._say(turn, "course_published", course=course.id, version=version.number if version else 1)

    async def _publish(self, turn: Turn, dialogue: Dialogue, source: bytes, by: str) -> None:
        """``source``, checked as ``dialogue``, as the next version (the same text again is no new version)."""
        before = await self.services.store.version(dialogue.id)
        published = await turn.receipt.commit(
            lambda update: self.services.catalogue.publish_checked(dialogue, source, by, update)
        )
        if before is not None and before.number == published.version:
            return await self._say(turn, "published_unchanged", dialogue=published.id, version=published.version)
        await self._say(turn, "published", dialogue=published.id, version=published.version)

    async def versions(self, turn: Turn, argument: str) -> None:
        dialogue = DialogueId(argument.strip())
        found = await self.services.store.versions(dialogue) if dialogue else []
        if not found:
            return await self._say(turn, "versions_usage")
        newest, language = max(version.number for version in found), turn.language
        lines = [text("versions_header", language, dialogue=dialogue, count=len(found))] + [
            _version_line(v, v.number == newest, language) for v in sorted(found, key=lambda v: -v.number)
        ]
        buttons = [
            (text("rollback_button", turn.language, version=v.number), RollbackButton(dialogue, v.number).data)
            for v in sorted(found, key=lambda v: -v.number)
            if v.number != newest
        ][:20]
        await self.services.renderer.send(
            turn.chat_id, fit(lines, turn.language), keyboard(*buttons) if buttons else None
        )

    async def graph(self, turn: Turn, argument: str) -> None:
        try:
            dialogue = await self.services.catalogue.get(DialogueId(argument.strip()))
        except UnknownDialogueError:
            return await self._say(turn, "graph_usage")
        await send_graph(self.services, turn, dialogue, graph_caption(dialogue, turn.language))

    async def _reply(self, turn: Turn, body: str) -> None:
        await self.services.renderer.send(turn.chat_id, body)

    def _publisher(self, turn: Turn) -> str:
        """Who published, as /versions shows it: a trainer's stable short code, which matches no stored value."""
        return f"trainer {self.services.keys.author(_user(turn))} in chat"

    async def _say(self, turn: Turn, key: str, **values: object) -> None:
        await self._reply(turn, text(key, turn.language, **values))


def _version_line(version: Version, live: bool, language: str) -> str:
    when, by = f"{version.published_at:%Y-%m-%d %H:%M}", publisher(version.published_by, language)
    line = text("versions_line", language, version=version.number, when=when, by=by)
    return line + (" · " + text("versions_live", language) if live else "")


def publisher(kept: str, language: str) -> str:
    """Who published a version, as /versions says it in ``language``; a form the bot never writes stays as kept."""
    if rolled_back := _ROLLED_BACK.fullmatch(kept):
        number = rolled_back.group(2) or rolled_back.group(3)
        return text("versions_rollback", language, by=publisher(rolled_back.group(1), language), version=number)
    if trainer := _BY_TRAINER.fullmatch(kept):
        return text("versions_by_trainer", language, code=trainer.group(1))
    if command_line := _BY_COMMAND_LINE.fullmatch(kept):
        return text("versions_by_command_line", language, user=command_line.group(1))
    return text(_BY_NAMED[kept], language) if kept in _BY_NAMED else kept


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


def _preview_outputs(outputs: tuple[Output, ...]) -> tuple[Output, ...]:
    """The draft's questions with preview buttons instead of dialogue buttons."""
    shown: list[Output] = []
    for output in outputs:
        if isinstance(output, AskChoice):
            offers = tuple(replace(o, data=PreviewButton(output.node, o.id).data) for o in output.options)
            shown.append(replace(output, options=offers))
        elif isinstance(output, AskText) and output.skip_data is not None:
            shown.append(replace(output, skip_data=PreviewButton(output.node).data))
        else:
            shown.append(output)
    return tuple(shown)


def _no_peers(language: str) -> Callable[[Chosen], Awaitable[str]]:
    """In a preview, where colleagues' choices would be: a note that they show once the dialogue is live."""

    async def note(chosen: Chosen) -> str:
        return text("preview_peers", language)

    return note


def _draft_keyboard(draft: Draft, language: str) -> InlineKeyboardMarkup:
    """Preview (for a dialogue), Publish, Discard."""
    preview = [(text("draft_preview", language), DraftButton("preview", draft.number).data)] if draft.dialogue else []
    return keyboard(
        *preview,
        (text("draft_publish", language), DraftButton("publish", draft.number).data),
        (text("draft_discard", language), DraftButton("discard", draft.number).data),
    )


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


def _user(turn: Turn) -> int:
    user = turn.update.effective_user
    assert user is not None
    return user.id
