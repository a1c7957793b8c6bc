"""Publishing in chat and ``/versions ID`` with rollback buttons; ``/graph ID`` as a picture.

Who published is kept as a short form (``trainer 1a2b3c4d in chat``, ``goodwork run``, ...) and said in the
reader's language; a trainer is named by a code of its own purpose, which matches no other stored value.
"""

from __future__ import annotations

import re

from bot.dialogue.model import Dialogue, DialogueId
from bot.store.errors import UnknownDialogueError
from bot.store.protocol import Version
from bot.telegram.callbacks import RollbackButton
from bot.telegram.drafts import Draft, trainer_of
from bot.telegram.pictures import graph_caption, send_graph
from bot.telegram.render import keyboard
from bot.telegram.services import Services, Turn
from bot.telegram.texts import fit, text

_ROLLED_BACK = re.compile(r"(.+?)(?: \(rollback to ([0-9]+)\)|, rollback to ([0-9]+))")
_BY_TRAINER = re.compile(r"trainer ([0-9a-f]{8}) in chat")
_BY_COMMAND_LINE = re.compile(r"command line \((.*)\)")
_BY_NAMED = {
    "a trainer in chat": "versions_by_a_trainer",
    "goodwork run": "versions_by_start",
    "goodwork play": "versions_by_play",
}


def by_trainer(services: Services, turn: Turn) -> str:
    """Who published, as /versions shows it: a trainer's stable short code, which matches no stored value."""
    return f"trainer {services.keys.author(trainer_of(turn))} in chat"


async def publish(services: Services, turn: Turn, dialogue: Dialogue, source: bytes, by: str) -> None:
    """``source``, checked as ``dialogue``, as the next version (the same text again is no new version)."""
    before = await services.store.version(dialogue.id)
    published = await turn.receipt.commit(
        lambda update: services.catalogue.publish_checked(dialogue, source, by, update)
    )
    if before is not None and before.number == published.version:
        return await services.say(turn, "published_unchanged", dialogue=published.id, version=published.version)
    await services.say(turn, "published", dialogue=published.id, version=published.version)


async def publish_course(services: Services, turn: Turn, draft: Draft) -> None:
    """The course as its next version; new joiners of its tranches get the new plan at once."""
    source, filename, by = draft.source, draft.filename, by_trainer(services, turn)
    course = await turn.receipt.commit(lambda update: services.catalogue.publish_course(source, filename, by, update))
    version = await services.store.course_version(course.id)
    if services.courses is not None:
        services.courses.remember(course)
    await services.say(turn, "course_published", course=course.id, version=version.number if version else 1)


async def versions(services: Services, turn: Turn, argument: str) -> None:
    dialogue = DialogueId(argument.strip())
    found = await services.store.versions(dialogue) if dialogue else []
    if not found:
        return await services.say(turn, "versions_usage")
    newest, language = max(version.number for version in found), turn.language
    lines = [text("versions_header", language, dialogue=dialogue, count=len(found))] + [
        _version_line(v, v.number == newest, language) for v in sorted(found, key=lambda v: -v.number)
    ]
    buttons = [
        (text("rollback_button", turn.language, version=v.number), RollbackButton(dialogue, v.number).data)
        for v in sorted(found, key=lambda v: -v.number)
        if v.number != newest
    ][:20]
    await services.renderer.send(turn.chat_id, fit(lines, turn.language), keyboard(*buttons) if buttons else None)


async def graph(services: Services, turn: Turn, argument: str) -> None:
    try:
        dialogue = await services.catalogue.get(DialogueId(argument.strip()))
    except UnknownDialogueError:
        return await services.say(turn, "graph_usage")
    await send_graph(services, turn, dialogue, graph_caption(dialogue, turn.language))


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
