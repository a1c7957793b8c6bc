"""A dialogue as plain, frozen data: what the loader builds and the engine walks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NewType, TypeAlias

from bot.dialogue.expr import Expr, Value

DialogueId = NewType("DialogueId", str)
NodeId = NewType("NodeId", str)
OptionId = NewType("OptionId", str)

LANGUAGES = ("nl", "en")
SESSIONS = (
    "intro",
    "excellence",
    "ethics",
    "engagement",
    "connecting",
    "followup",
    "weekly",
    "manager",
    "community",
    "other",
)


def _empty() -> Mapping[str, Value]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Text:
    """One text in every language of its dialogue."""

    by_language: Mapping[str, str]

    def get(self, language: str) -> str:
        return self.by_language.get(language) or next(iter(self.by_language.values()))


@dataclass(frozen=True, slots=True)
class Option:
    id: OptionId
    label: Text
    next: NodeId
    condition: Expr | None = None
    sets: Mapping[str, Value] = field(default_factory=_empty)
    adds: Mapping[str, Value] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class Message:
    id: NodeId
    say: tuple[Text, ...]
    next: NodeId
    image: str | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    id: NodeId
    ask: Text
    options: tuple[Option, ...]
    say: tuple[Text, ...] = ()
    peers: bool = False
    conditional: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "conditional", any(option.condition is not None for option in self.options))


@dataclass(frozen=True, slots=True)
class Reflection:
    id: NodeId
    ask: Text
    next: NodeId
    say: tuple[Text, ...] = ()
    skip: bool = False
    min_length: int = 1
    share: bool = False  # after an answer, ask whether it may go anonymously to the course group


@dataclass(frozen=True, slots=True)
class Rule:
    condition: Expr
    next: NodeId


@dataclass(frozen=True, slots=True)
class Branch:
    id: NodeId
    when: tuple[Rule, ...]
    next: NodeId


@dataclass(frozen=True, slots=True)
class End:
    id: NodeId
    say: tuple[Text, ...] = ()


Node: TypeAlias = Message | Choice | Reflection | Branch | End
Question: TypeAlias = Choice | Reflection


def targets(node: Node) -> Iterator[NodeId]:
    """Every node this one can lead to, whatever the conditions."""
    match node:
        case Message(next=target) | Reflection(next=target):
            yield target
        case Choice(options=options):
            yield from (option.next for option in options)
        case Branch(when=rules, next=target):
            yield from (rule.next for rule in rules)
            yield target


@dataclass(frozen=True, slots=True)
class Dialogue:
    id: DialogueId
    version: int
    title: Text
    session: str
    languages: tuple[str, ...]
    start: NodeId
    nodes: Mapping[NodeId, Node]
    variables: Mapping[str, Value] = field(default_factory=_empty)
    summary: Text | None = None
