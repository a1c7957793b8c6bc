"""The compact text a dialogue button carries as Telegram callback data.

``c:<dialogue>:<version>:<node>:<option>`` for an option and
``s:<dialogue>:<version>:<node>`` for "skip". Ids never contain ``:``, so the
parts split cleanly. Telegram allows 1-64 bytes; the validator uses
``encode`` to check every option of a dialogue against that budget, and the
Telegram layer uses ``decode`` to turn a press back into an event.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TypeAlias

from bot.dialogue.model import DialogueId, NodeId, OptionId
from bot.dialogue.problems import DialogueError

MAX_BYTES = 64
_ID = re.compile(r"[^\W\d][\w-]*\Z")
_NUMBER = re.compile(r"0|[1-9][0-9]*")


class ButtonError(DialogueError):
    """Callback data that this layer did not make: forged, truncated or foreign."""


@dataclass(frozen=True, slots=True)
class ChoiceButton:
    dialogue: DialogueId
    version: int
    node: NodeId
    option: OptionId


@dataclass(frozen=True, slots=True)
class SkipButton:
    dialogue: DialogueId
    version: int
    node: NodeId


Button: TypeAlias = ChoiceButton | SkipButton


def encode(button: Button) -> str:
    head = f"{button.dialogue}:{button.version}:{button.node}"
    if isinstance(button, ChoiceButton):
        return f"c:{head}:{button.option}"
    return f"s:{head}"


@functools.lru_cache(maxsize=4096)
def choice_data(dialogue: DialogueId, version: int, node: NodeId, option: OptionId) -> str:
    """``encode(ChoiceButton(...))``, cached: the engine asks for the same buttons again and again."""
    return encode(ChoiceButton(dialogue, version, node, option))


def size(data: str) -> int:
    """Bytes Telegram counts for ``data``."""
    return len(data.encode("utf-8"))


def canonical_number(text: str, limit: int = 10**9) -> int:
    """The number ``text`` as this layer writes numbers (ASCII digits, no sign or leading zero), below ``limit``."""
    if len(text) > len(str(limit)) or not _NUMBER.fullmatch(text) or int(text) >= limit:
        raise ButtonError(f"expected a number from 0 to {limit - 1} written plainly, got {text!r}")
    return int(text)


def decode(data: str) -> Button:
    """Parse callback data, or raise ButtonError for anything this layer did not make."""
    if not data or size(data) > MAX_BYTES:
        raise ButtonError(f"button data must be 1-{MAX_BYTES} bytes, got {size(data)}")
    kind, *parts = data.split(":")
    if (kind, len(parts)) not in (("c", 4), ("s", 3)):
        raise ButtonError(f"unknown button data {data!r}")
    dialogue, version, node, *option = parts
    if not all(map(_ID.match, (dialogue, node, *option))):
        raise ButtonError(f"malformed button data {data!r}")
    try:
        ids = (DialogueId(dialogue), canonical_number(version), NodeId(node))
    except ButtonError as exc:
        exc.add_note(f"in button data {data!r}")
        raise
    return ChoiceButton(*ids, OptionId(option[0])) if option else SkipButton(*ids)
