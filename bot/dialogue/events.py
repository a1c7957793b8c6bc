"""What goes into the engine (events) and what comes out (outputs): plain, frozen data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from bot.dialogue.model import NodeId, OptionId

# --- events ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Start:
    language: str


@dataclass(frozen=True, slots=True)
class Choose:
    option: OptionId
    node: NodeId | None = None  # when given (from a button), it must be the current node


@dataclass(frozen=True, slots=True)
class Answer:
    text: str


@dataclass(frozen=True, slots=True)
class Skip:
    node: NodeId | None = None


@dataclass(frozen=True, slots=True)
class Back:
    pass


Event: TypeAlias = Start | Choose | Answer | Skip | Back

# --- outputs ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Say:
    text: str
    image: str | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    id: OptionId
    label: str
    data: str  # callback data, at most 64 bytes


@dataclass(frozen=True, slots=True)
class AskChoice:
    node: NodeId
    text: str
    options: tuple[Offer, ...]
    peers: bool


@dataclass(frozen=True, slots=True)
class AskText:
    node: NodeId
    text: str
    min_length: int
    skip_data: str | None  # callback data of the skip button, None when skipping is not allowed


@dataclass(frozen=True, slots=True)
class Chosen:
    """Record: the person chose ``option`` at ``node``."""

    node: NodeId
    option: OptionId
    label: str
    peers: bool


@dataclass(frozen=True, slots=True)
class Answered:
    """Record: the person answered a reflection (``text`` None when skipped).

    ``share``: the reflection may go to a Community of Practice, so ask now whether
    this answer may be shared anonymously. Never set for a skip.
    """

    node: NodeId
    text: str | None
    share: bool = False


@dataclass(frozen=True, slots=True)
class Finished:
    node: NodeId


Output: TypeAlias = Say | AskChoice | AskText | Chosen | Answered | Finished
