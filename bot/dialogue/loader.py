"""A dialogue file -> a ``Dialogue``, or every problem in it as ``path:line:col``.

``read_dialogue`` checks fields one by one (types, unknown keys, languages,
Telegram limits, conditions, ``next`` targets) and keeps going after a
problem, so the author sees all of them at once. Graph checks live in
``graph.py``; ``check_dialogue`` runs both.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.dialogue import expr, scope
from bot.dialogue.errors import LoadError
from bot.dialogue.graph import Shape, check_graph, shape_of
from bot.dialogue.model import (
    SESSIONS,
    Branch,
    Choice,
    Dialogue,
    DialogueId,
    End,
    Message,
    Node,
    NodeId,
    Reflection,
    Rule,
)
from bot.dialogue.options import NODE_ID, NODE_ID_RULE, OptionReader
from bot.dialogue.problems import Mark, Problem
from bot.dialogue.reader import describe, present
from bot.dialogue.yamltree import Map, Scalar, Seq, Tree, parse_yaml

T = TypeVar("T")
DIALOGUE_ID = re.compile(r"[a-z][a-z0-9_-]{0,31}")
VARIABLE = re.compile(r"[^\W\d]\w{0,31}")
DIALOGUE_ID_RULE = "use up to 32 lower-case letters, digits, '-' or '_', starting with a letter"
_TOP_REQUIRED = ("id", "version", "title", "session", "languages", "start", "nodes")
_NODE_FIELDS = {
    "message": (("say", "next"), ("image",)),
    "choice": (("ask", "options"), ("say", "peers")),
    "reflection": (("ask", "next"), ("say", "skip", "min_length", "share")),
    "branch": (("when", "next"), ()),
    "end": ((), ("say",)),
}


@dataclass(frozen=True, slots=True)
class Checked:
    """What checking one file found: the dialogue if it has no errors, and every problem."""

    dialogue: Dialogue | None
    problems: tuple[Problem, ...]
    marks: dict[str, Mark]


def load_dialogue(data: bytes, path: str = "<dialogue>", base_dir: Path | None = None) -> Dialogue:
    """Return the dialogue in ``data`` or raise LoadError listing every error."""
    checked = check_dialogue(data, path, base_dir)
    if checked.dialogue is None:
        raise LoadError(p for p in checked.problems if p.is_error)
    return checked.dialogue


def check_dialogue(data: bytes, path: str = "<dialogue>", base_dir: Path | None = None) -> Checked:
    """Every problem in ``data``, sorted by position, and the dialogue if there is no error."""
    with _collector_paused():
        return _check(data, path, base_dir)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading builds many small objects that never form cycles; the cyclic GC only slows it (~30%)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check(data: bytes, path: str, base_dir: Path | None) -> Checked:
    tree, problems = parse_yaml(data, path)
    if tree is None:
        return Checked(None, tuple(problems), {})
    builder = _Builder(path, problems, base_dir)
    dialogue = builder.build(tree)
    shape = shape_of(dialogue) if dialogue is not None else _raw_shape(tree)
    if shape is not None:
        problems.extend(check_graph(shape, path, builder.marks))
    ok = dialogue is not None and not any(p.is_error for p in problems)
    problems.sort(key=lambda problem: (problem.mark.line, problem.mark.column))
    return Checked(dialogue if ok else None, tuple(problems), builder.marks)


class _Builder(OptionReader):
    def __init__(self, path: str, problems: list[Problem], base_dir: Path | None) -> None:
        super().__init__(path, problems, base_dir)
        self.marks: dict[str, Mark] = {}

    def build(self, tree: Tree) -> Dialogue | None:
        top = self.mapping(tree, "the dialogue", _TOP_REQUIRED, ("summary", "variables"))
        if top is None or any(name not in top for name in ("languages", "nodes")):
            return None
        self.languages = self.read_languages(top["languages"]) or self.languages
        dialogue_id = self.field(top, "id", lambda t: self.identifier(t, "'id'", DIALOGUE_ID, DIALOGUE_ID_RULE))
        version = self.field(top, "version", lambda t: self.integer(t, "'version'", 1, 1_000_000))
        if dialogue_id is not None and version is not None:
            self.button_head = (DialogueId(dialogue_id), version)
            self.marks[":id"] = top["id"].mark
        title = self.field(top, "title", lambda t: self.text(t, "'title'"))
        session = self.field(top, "session", lambda t: self.one_of(t, "session", SESSIONS))
        summary = self.field(top, "summary", lambda t: self.text(t, "'summary'"))
        variables = self.field(top, "variables", self.read_variables) if "variables" in top else {}
        nodes = self.read_nodes(top["nodes"], top.get("variables"))
        start = self.field(top, "start", lambda t: self.target(t, "'start'"))
        if any(problem.is_error for problem in self.problems):
            return None
        if dialogue_id is None or version is None or title is None or session is None:
            return None
        if start is None or nodes is None or variables is None:
            return None
        return Dialogue(
            DialogueId(dialogue_id), version, title, session, self.languages, start, nodes, variables, summary
        )

    def field(self, fields: dict[str, Tree], name: str, read: Callable[[Tree], T | None]) -> T | None:
        """``read`` the field ``name`` if it is there (a missing required field is reported already)."""
        return read(fields[name]) if name in fields else None

    def read_variables(self, tree: Tree) -> dict[str, expr.Value] | None:
        if not isinstance(tree, Map):
            self.error(tree.mark, f"'variables' must be a mapping of 'name: starting value', not {describe(tree)}")
            return None
        variables: dict[str, expr.Value] = {}
        for name, (key, value) in tree.items.items():
            if not VARIABLE.fullmatch(name) or name in ("and", "or", "not", "true", "false"):
                self.error(key.mark, f"variable name {name!r} is not valid: use letters, digits and '_'")
            elif not isinstance(value, Scalar) or not isinstance(value.value, bool | int | str):
                self.error(
                    value.mark,
                    f"variable {name!r} must start as a whole number, true/false or text, not {describe(value)}",
                )
            else:
                variables[name] = value.value
        return variables

    # --- nodes -----------------------------------------------------------------

    def read_nodes(self, tree: Tree, variables_tree: Tree | None) -> dict[NodeId, Node] | None:
        if not isinstance(tree, Map) or not tree.items:
            found = "an empty mapping" if isinstance(tree, Map) else describe(tree)
            self.error(tree.mark, f"'nodes' must be a mapping of node ids to nodes, not {found}")
            return None
        self.node_ids = frozenset(tree.items)
        self.scope = self.make_scope(tree, variables_tree)
        nodes: dict[NodeId, Node] = {}
        for name, (key, value) in tree.items.items():
            self.marks[name] = key.mark
            if not NODE_ID.fullmatch(name):
                self.error(key.mark, f"node id {name!r} is not valid: {NODE_ID_RULE}")
            node = self.read_node(NodeId(name), value)
            if node is not None:
                nodes[NodeId(name)] = node
        return nodes if len(nodes) == len(tree.items) else None

    def make_scope(self, nodes: Map, variables_tree: Tree | None) -> scope.Scope:
        options: dict[str, list[str]] = {}
        for node_id, (_, node) in nodes.items.items():
            for option_id in _option_ids(node):
                options.setdefault(option_id, []).append(f"{node_id}.{option_id}")
        variables = variables_tree.items if isinstance(variables_tree, Map) else {}
        types = {name: type(value.value) for name, (_, value) in variables.items() if isinstance(value, Scalar)}
        return scope.Scope(types, self.node_ids, {k: tuple(v) for k, v in options.items()})

    def read_node(self, node_id: NodeId, tree: Tree) -> Node | None:
        what = f"node {node_id!r}"
        if not isinstance(tree, Map) or "type" not in tree.items:
            self.error(tree.mark, f"{what} needs a 'type': one of {', '.join(_NODE_FIELDS)}")
            return None
        kind = self.one_of(tree.items["type"][1], "node type", tuple(_NODE_FIELDS))
        if kind is None:
            return None
        required, optional = _NODE_FIELDS[kind]
        fields = self.mapping(tree, what, ("type", *required), optional)
        if fields is None or any(name not in fields for name in required):
            return None
        return getattr(self, f"read_{kind}")(node_id, fields)  # type: ignore[no-any-return]

    def read_message(self, node_id: NodeId, fields: dict[str, Tree]) -> Node | None:
        say, target = self.bubbles(fields["say"]), self.target(fields["next"], "'next'")
        image = self.image(fields["image"]) if "image" in fields else ""
        if say is None or target is None or image is None:
            return None
        return Message(node_id, say, target, image or None)

    def read_choice(self, node_id: NodeId, fields: dict[str, Tree]) -> Node | None:
        say = self.bubbles(fields["say"]) if "say" in fields else ()
        ask, options = self.text(fields["ask"], "'ask'"), self.options(node_id, fields["options"])
        peers = self.boolean(fields["peers"], "'peers'") if "peers" in fields else False
        if say is None or ask is None or options is None or peers is None:
            return None
        return Choice(node_id, ask, options, say, peers)

    def read_reflection(self, node_id: NodeId, fields: dict[str, Tree]) -> Node | None:
        say = self.bubbles(fields["say"]) if "say" in fields else ()
        ask, target = self.text(fields["ask"], "'ask'"), self.target(fields["next"], "'next'")
        skip = self.boolean(fields["skip"], "'skip'") if "skip" in fields else False
        least = self.integer(fields["min_length"], "'min_length'", 1, 1000) if "min_length" in fields else 1
        share = self.boolean(fields["share"], "'share'") if "share" in fields else False
        if share:
            self.check_consent(node_id, fields["share"])
        if say is None or ask is None or target is None or skip is None or least is None or share is None:
            return None
        return Reflection(node_id, ask, target, say, skip, least, share)

    def read_branch(self, node_id: NodeId, fields: dict[str, Tree]) -> Node | None:
        rules = present(self.rule(item) for item in self.sequence(fields["when"], "'when'") or ())
        target = self.target(fields["next"], "'next'")
        if rules == () and isinstance(fields["when"], Seq):
            self.error(fields["when"].mark, "'when' is empty: give at least one '- if: ... next: ...'")
        if not rules or target is None:
            return None
        return Branch(node_id, rules, target)

    def read_end(self, node_id: NodeId, fields: dict[str, Tree]) -> Node | None:
        say = self.bubbles(fields["say"]) if "say" in fields else ()
        return None if say is None else End(node_id, say)

    def rule(self, tree: Tree) -> Rule | None:
        fields = self.mapping(tree, "a 'when' rule", ("if", "next"))
        if fields is None or len(fields) < 2:
            return None
        condition, target = self.condition(fields["if"]), self.target(fields["next"], "'next'")
        return None if condition is None or target is None else Rule(condition, target)


def _option_ids(node: Tree) -> list[str]:
    options = node.items.get("options") if isinstance(node, Map) else None
    items = options[1].items if options and isinstance(options[1], Seq) else ()
    ids = [item.items["id"][1] for item in items if isinstance(item, Map) and "id" in item.items]
    return [option.text for option in ids if isinstance(option, Scalar)]


def _raw_shape(tree: Tree) -> Shape | None:
    """The graph as written, when other fields have errors.

    None unless every node has a known type and every link names an existing
    node: a broken link is reported already, and the graph problems it causes
    would only be noise.
    """
    nodes, start = _child(tree, "nodes"), _child(tree, "start")
    if not isinstance(nodes, Map) or not isinstance(start, Scalar) or start.text not in nodes.items:
        return None
    kinds: dict[str, str] = {}
    edges: dict[str, tuple[str, ...]] = {}
    for node_id, (_, node) in nodes.items.items():
        kind, links = _child(node, "type"), _raw_links(node)
        if not isinstance(kind, Scalar) or kind.text not in _NODE_FIELDS or links is None:
            return None
        if not all(link in nodes.items for link in links):
            return None
        kinds[node_id], edges[node_id] = kind.text, links
    return Shape(start.text, kinds, edges)


def _raw_links(node: Tree) -> tuple[str, ...] | None:
    """Every ``next`` of a node, its options and its rules; None if one is missing or not text."""
    kind = _child(node, "type")
    if isinstance(kind, Scalar) and kind.text == "end":
        return ()
    listed = "options" if isinstance(kind, Scalar) and kind.text == "choice" else "when"
    items = _child(node, listed)
    linked = [*(item for item in (items.items if isinstance(items, Seq) else ()))]
    if listed == "options" and not linked:
        return None
    found = [_child(item, "next") for item in ([] if listed == "options" else [node]) + linked]
    texts = [target.text for target in found if isinstance(target, Scalar)]
    return tuple(texts) if len(texts) == len(found) else None


def _child(tree: Tree | None, key: str) -> Tree | None:
    return tree.items[key][1] if isinstance(tree, Map) and key in tree.items else None
