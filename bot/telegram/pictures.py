"""A dialogue drawn by Graphviz and sent as a photo: for /graph, and for /insights with each node annotated."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Mapping

from bot.dialogue.dot import to_dot
from bot.dialogue.model import Dialogue
from bot.graphviz import GraphError, render
from bot.telegram.services import Services, Turn
from bot.telegram.texts import text


async def send_graph(
    services: Services,
    turn: Turn,
    dialogue: Dialogue,
    caption: str,
    annotations: Mapping[str, tuple[str, str]] | None = None,
) -> None:
    """The dialogue as a PNG in the trainer's language (or the dialogue's first), drawn off the event loop."""
    program = shutil.which("dot")
    if program is None:
        return await services.say(turn, "graph_no_dot")
    language = drawn_in(dialogue, turn.language)
    try:
        picture = await asyncio.to_thread(render, to_dot(dialogue, language, annotations), "png", program)
    except GraphError as exc:
        return await services.say(turn, "graph_failed", dialogue=dialogue.id, error=exc)
    await services.renderer.photo(turn.chat_id, picture, f"{dialogue.id}.png", caption)


def drawn_in(dialogue: Dialogue, language: str) -> str:
    return language if language in dialogue.languages else dialogue.languages[0]


def graph_caption(dialogue: Dialogue, language: str) -> str:
    return text(
        "graph_caption",
        language,
        dialogue=dialogue.id,
        version=dialogue.version,
        nodes=len(dialogue.nodes),
        in_language=drawn_in(dialogue, language),
    )
