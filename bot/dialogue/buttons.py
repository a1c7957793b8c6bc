"""The compact text a dialogue button carries as Telegram callback data.

``c:<dialogue>:<version>:<node>:<option>`` for an option,
``s:<dialogue>:<version>:<node>`` for "skip" and ``h:<dialogue>:<version>:<node>``
for "yes, share this reflection" after a ``share: true`` reflection. Ids never
contain ``:``, so the parts split cleanly. Telegram allows 1-64 bytes; the
validator uses ``encode`` and ``consent_data`` to check a dialogue's buttons
against that budget, and the Telegram layer uses ``decode`` (options and skip)
and ``decode_consent`` (sharing) to turn a press back into what it means.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TypeAlias

from bot.dialogue.errors import ButtonError
from bot.dialogue.model import DialogueId, NodeId, OptionId

MAX_BYTES = 64
_ID = re.compile(r"[^\W\d][\w-]*\Z")
_NUMBER = re.compile(r"0|[1-9][0-9]*")


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


@dataclass(frozen=True, slots=True)
class ConsentButton:
    """The person agrees to share their answer at ``node`` with their course group."""

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


def consent_data(dialogue: DialogueId, version: int, node: NodeId) -> str:
    """The callback data of the "share" button asked after the reflection ``node``."""
    return f"h:{dialogue}:{version}:{node}"


def size(data: str) -> int:
    """Bytes Telegram counts for ``data``."""
    return len(data.encode("utf-8"))


def canonical_number(text: str, limit: int = 10**9) -> int:
    """The number ``text`` as this layer writes numbers (ASCII digits, no sign or leading zero), below ``limit``."""
    if len(text) > len(str(limit)) or not _NUMBER.fullmatch(text) or int(text) >= limit:
        raise ButtonError(f"expected a number from 0 to {limit - 1} written plainly, got {text!r}")
    return int(text)


def decode(data: str) -> Button:
    """Parse an option or skip button's data, or raise ButtonError for anything this layer did not make."""
    dialogue, version, node, option = _parts(data, {"c": 1, "s": 0})
    return ChoiceButton(dialogue, version, node, OptionId(option[0])) if option else SkipButton(dialogue, version, node)


def decode_consent(data: str) -> ConsentButton:
    """Parse a "share" button's data, or raise ButtonError for anything else."""
    dialogue, version, node, _ = _parts(data, {"h": 0})
    return ConsentButton(dialogue, version, node)


def _parts(data: str, kinds: dict[str, int]) -> tuple[DialogueId, int, NodeId, tuple[str, ...]]:
    """Dialogue, version, node and the ids after them; ``kinds`` maps each kind allowed to how many ids follow."""
    if not data or size(data) > MAX_BYTES:
        raise ButtonError(f"button data must be 1-{MAX_BYTES} bytes, got {size(data)}")
    kind, *parts = data.split(":")
    if kind not in kinds or len(parts) != 3 + kinds[kind]:
        raise ButtonError(f"unknown button data {data!r}")
    dialogue, version, node, *rest = parts
    if not all(map(_ID.match, (dialogue, node, *rest))):
        raise ButtonError(f"malformed button data {data!r}")
    try:
        return DialogueId(dialogue), canonical_number(version), NodeId(node), tuple(rest)
    except ButtonError as exc:
        exc.add_note(f"in button data {data!r}")
        raise
