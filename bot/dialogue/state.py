"""Where one person is in one dialogue: a small value that round-trips through JSON.

The path keeps the questions answered so far and, for choices, which option;
never the text of a reflection. "Back" replays the path minus its last step,
so variables and visit counts come out exactly as they were.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.dialogue.errors import StateError
from bot.dialogue.expr import Value
from bot.dialogue.model import DialogueId, NodeId, OptionId


class Step(NamedTuple):
    """One answered question: the option chosen, or None for a reflection."""

    node: NodeId
    option: OptionId | None


@dataclass(frozen=True, slots=True)
class State:
    dialogue: DialogueId
    version: int
    language: str
    node: NodeId
    variables: Mapping[str, Value]
    visits: Mapping[NodeId, int]
    path: tuple[Step, ...] = ()
    done: bool = False

    def to_json(self) -> str:
        return json.dumps(
            {
                "dialogue": self.dialogue,
                "version": self.version,
                "language": self.language,
                "node": self.node,
                "variables": dict(self.variables),
                "visits": dict(self.visits),
                "path": [list(step) for step in self.path],
                "done": self.done,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> State:
        try:
            data = json.loads(text)
            return cls(
                dialogue=DialogueId(_typed(data["dialogue"], str)),
                version=_typed(data["version"], int),
                language=_typed(data["language"], str),
                node=NodeId(_typed(data["node"], str)),
                variables={_typed(k, str): _value(v) for k, v in _typed(data["variables"], dict).items()},
                visits={NodeId(_typed(k, str)): _typed(v, int) for k, v in _typed(data["visits"], dict).items()},
                path=tuple(_step(item) for item in _typed(data["path"], list)),
                done=_typed(data["done"], bool),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise StateError(f"stored dialogue state is unreadable: {exc}") from None


def _typed(value: Any, kind: type) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _value(value: Any) -> Value:
    if not isinstance(value, bool | int | str):
        raise TypeError(f"a variable holds {type(value).__name__}")
    return value


def _step(item: Any) -> Step:
    node, option = _typed(item, list)
    return Step(NodeId(_typed(node, str)), None if option is None else OptionId(_typed(option, str)))
