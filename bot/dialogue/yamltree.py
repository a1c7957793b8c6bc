"""Safe YAML reading: bytes -> a small tree of values that remember their position.

Only the plain subset of YAML a trainer needs is accepted. Before parsing, the
file is checked for size, UTF-16, NUL bytes, UTF-8 and control characters.
While parsing, anchors, aliases (the "billion laughs" bomb), explicit
non-standard tags and deep nesting stop the file at once; duplicate keys are reported and the first one is kept.
Nothing is ever constructed beyond strings, numbers, booleans and null.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

import yaml

from bot.dialogue.problems import START, Mark, Problem

MAX_BYTES = 1_000_000
MAX_DEPTH = 32
_SAFE_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "bool", "null", "float", "map", "seq"))
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BRACKETS = re.compile(r"[\[\]{}]")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Scalar:
    """A scalar: ``value`` as YAML resolves it, ``text`` as written."""

    value: object
    text: str
    mark: Mark
    plain: bool
    inline: bool = False  # plain or quoted on one line: ``text`` starts at ``mark`` (after the quote)


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Tree, ...]
    mark: Mark


@dataclass(frozen=True, slots=True)
class Key:
    text: str
    mark: Mark


@dataclass(frozen=True, slots=True)
class Map:
    items: dict[str, tuple[Key, Tree]]
    mark: Mark


Tree: TypeAlias = Scalar | Seq | Map


class _FatalError(Exception):
    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark, self.message = mark, message


class _TooDeepError(_FatalError):
    """Nesting past ``MAX_DEPTH``: our own limit, which must win over any limit of the parser's."""


def parse_yaml(data: bytes, path: str, max_bytes: int = MAX_BYTES) -> tuple[Tree | None, list[Problem]]:
    """Parse ``data``; return the tree (None if unusable) and the problems found."""
    problems: list[Problem] = []
    try:
        text = _decode(data, max_bytes)
        tree = _Builder(path, problems).build(text)
    except _FatalError as fatal:
        return None, [*problems, Problem(path, fatal.mark, fatal.message)]
    return tree, problems


def _decode(data: bytes, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise _FatalError(START, too_large(len(data), max_bytes))
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\0\0\xfe\xff")):
        raise _FatalError(START, "file is UTF-16 or UTF-32 text: save it as UTF-8")
    if b"\0" in data:
        raise _FatalError(_byte_mark(data, data.index(b"\0")), "binary file: expected YAML text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _FatalError(_byte_mark(data, exc.start), "file is not UTF-8 text") from None
    if not text.strip():
        raise _FatalError(START, "file is empty: expected a dialogue")
    if bad := _UNPRINTABLE.search(text):
        mark = _text_mark(text, bad.start())
        raise _FatalError(mark, f"control character U+{ord(bad.group()):04X} is not allowed in YAML text")
    return text.removeprefix("\ufeff")


def too_large(size: int, limit: int = MAX_BYTES) -> str:
    return f"file is too large: {size:,} bytes, the limit is {limit:,}"


def _byte_mark(data: bytes, offset: int) -> Mark:
    before = data[:offset]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    return Mark(before.count(b"\n") + 1, column)


def _text_mark(text: str, offset: int) -> Mark:
    return Mark(text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset))


def _mark(yaml_mark: object) -> Mark:
    line, column = getattr(yaml_mark, "line", None), getattr(yaml_mark, "column", None)
    return START if line is None or column is None else Mark(line + 1, column + 1)


def _syntax(exc: yaml.MarkedYAMLError) -> str:
    """The problem, and where the construct it broke began when that is elsewhere."""
    message = exc.problem or exc.context or "not valid YAML"
    began = _mark(exc.context_mark)
    if exc.problem and exc.context and exc.context_mark and began != _mark(exc.problem_mark):
        message += f" ({exc.context} at line {began.line}, column {began.column})"
    return message


def _brackets_nest_past(text: str, limit: int) -> bool:
    """Whether ``[`` and ``{`` nest deeper than ``limit`` in ``text``, counting every bracket (quoted ones too)."""
    depth = 0
    for bracket in _BRACKETS.finditer(text):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return True
    return False


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


class _Builder:
    """Turns the event stream into a tree with an explicit stack (no recursion)."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path, self.problems = path, problems
        self.constructor = yaml.constructor.SafeConstructor()
        self.resolver = yaml.resolver.Resolver()
        self.stack: list[tuple[list[Tree], Mark, bool]] = []
        self.root: Tree | None = None
        self.documents = 0

    def build(self, text: str) -> Tree:
        try:
            for event in yaml.parse(text, Loader=_Loader):
                self._on_event(event)
        except yaml.MarkedYAMLError as exc:
            self._too_deep_before(text, exc)
            raise _FatalError(_mark(exc.problem_mark), f"YAML syntax error: {_syntax(exc)}") from None
        except yaml.reader.ReaderError as exc:
            raise _FatalError(START, f"YAML syntax error: unacceptable character #x{exc.character:04x}") from None
        except yaml.YAMLError as exc:
            raise _FatalError(START, f"YAML syntax error: {exc}") from None
        if self.root is None:
            raise _FatalError(START, "file is empty: expected a dialogue")
        return self.root

    def _too_deep_before(self, text: str, exc: yaml.MarkedYAMLError) -> None:
        """Raise our own nesting error if the text nests too deep before where the parser stopped.

        libyaml (0.2.6 and later) has a nesting limit of its own and reads up to a
        thousand characters ahead, so ``[[[[...`` stops there with its wording and its
        column. The pure-Python parser has no such limit: it reads the text up to that
        point again, one event at a time, and our check stops it at the first level too
        deep. Only brackets can nest that far ahead of the events (block nesting shows in
        the events line by line), so the second read happens only when brackets alone
        nest past the limit before where the parser stopped.
        """
        if _Loader is yaml.SafeLoader or exc.problem_mark is None:
            return
        prefix = text[: exc.problem_mark.index]
        if not _brackets_nest_past(prefix, MAX_DEPTH):
            return
        again = _Builder(self.path, [])
        try:
            for event in yaml.parse(prefix, Loader=yaml.SafeLoader):
                again._on_event(event)
        except _TooDeepError:
            raise
        except (_FatalError, yaml.YAMLError):
            return

    def _on_event(self, event: yaml.Event) -> None:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            self._add(self._scalar(event))  # type: ignore[arg-type]
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            self._close()
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            mark = self._checked(event)  # type: ignore[arg-type]
            self._open(mark, kind is yaml.MappingStartEvent)
        elif kind is yaml.AliasEvent:
            self._checked(event)  # type: ignore[arg-type]
        elif kind is yaml.DocumentStartEvent:
            self._on_document(_mark(event.start_mark))

    def _checked(self, event: yaml.NodeEvent) -> Mark:
        """The event's position, after refusing anchors, aliases and non-standard tags."""
        start = event.start_mark
        mark = Mark(start.line + 1, start.column + 1)  # type: ignore[union-attr]
        if event.anchor is not None or type(event) is yaml.AliasEvent:
            raise _FatalError(mark, "anchors and aliases (& and *) are not allowed: write the text out in full")
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in _SAFE_TAGS and tag != "!":
            raise _FatalError(mark, f"tag {_short_tag(tag)!r} is not allowed: plain YAML only")
        return mark

    def _on_document(self, mark: Mark) -> None:
        self.documents += 1
        if self.documents > 1:
            raise _FatalError(mark, "only one document per file: remove the second '---'")

    def _scalar(self, event: yaml.ScalarEvent) -> Scalar:
        mark = self._checked(event)
        text, style = event.value, event.style
        inline = style in (None, "", "'", '"') and event.start_mark.line == event.end_mark.line  # type: ignore[union-attr]
        plain = not style and event.tag is None
        if not plain and event.tag in (None, "!"):
            return Scalar(text, text, mark, plain, inline)
        tag = event.tag
        if tag is None:
            if text[:1] not in self.resolver.yaml_implicit_resolvers:
                return Scalar(text, text, mark, plain, inline)  # cannot be a number, boolean or null
            tag = self.resolver.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
            tag = tag if tag in _SAFE_TAGS else "tag:yaml.org,2002:str"  # dates, '=' and '<<' stay text
        try:
            value = self.constructor.construct_object(yaml.ScalarNode(tag, text))
        except (yaml.constructor.ConstructorError, ValueError):
            raise _FatalError(mark, f"cannot read {text!r} as {_short_tag(tag)}") from None
        return Scalar(value, text, mark, plain, inline)

    def _open(self, mark: Mark, is_map: bool) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise _TooDeepError(mark, f"nested more than {MAX_DEPTH} levels deep")
        self.stack.append(([], mark, is_map))

    def _close(self) -> None:
        items, mark, is_map = self.stack.pop()
        self._add(self._mapping(items, mark) if is_map else Seq(tuple(items), mark))

    def _mapping(self, flat: list[Tree], mark: Mark) -> Map:
        items: dict[str, tuple[Key, Tree]] = {}
        for key_node, value in zip(flat[::2], flat[1::2], strict=True):
            key = self._key(key_node)
            if key.text in items:
                first = items[key.text][0].mark
                self._problem(key.mark, f"duplicate key {key.text!r} (first at line {first.line}): keys must be unique")
                continue
            items[key.text] = (key, value)
        return Map(items, mark)

    def _key(self, node: Tree) -> Key:
        if not isinstance(node, Scalar):
            raise _FatalError(node.mark, "a key must be plain text, not a list or a mapping")
        return Key(node.text, node.mark)

    def _add(self, tree: Tree) -> None:
        if self.stack:
            self.stack[-1][0].append(tree)
        else:
            self.root = tree

    def _problem(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(self.path, mark, message))
