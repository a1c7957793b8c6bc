"""A dialogue file -> a ``Dialogue``, or every problem in it as ``path:line:col``.

``read_dialogue`` checks fields one by one (types, unknown keys, languages,
Telegram limits, conditions, ``next`` targets) and keeps going after a
problem, so the author sees all of them at once. Graph checks live in
``graph.py``; ``check_dialogue`` runs both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from bot.dialogue import buttons, expr
from bot.dialogue.graph import check_graph
from bot.dialogue.model import (
    LANGUAGES,
    SESSIONS,
    Branch,
    Choice,
    Dialogue,
    DialogueId,
    End,
    Message,
    Node,
    NodeId,
    Option,
    OptionId,
    Reflection,
    Rule,
    Text,
)
from bot.dialogue.problems import LoadError, Mark, Problem, did_you_mean
from bot.dialogue.reader import describe
from bot.dialogue.texts import MAX_LABEL, TextReader
from bot.dialogue.yamltree import Map, Scalar, Seq, Tree, parse_yaml

DIALOGUE_ID = re.compile(r"[a-z][a-z0-9_-]{0,31}")
NODE_ID = re.compile(r"[^\W\d][\w-]{0,31}")
VARIABLE = re.compile(r"[^\W\d]\w{0,31}")
DIALOGUE_ID_RULE = "use up to 32 lower-case letters, digits, '-' or '_', starting with a letter"
NODE_ID_RULE = "use up to 32 letters, digits, '-' or '_', starting with a letter"
MAX_OPTIONS = 8
_TOP_REQUIRED = ("id", "version", "title", "session", "languages", "start", "nodes")
_NODE_FIELDS = {
    "message": (("say", "next"), ("image",)),
    "choice": (("ask", "options"), ("say", "peers")),
    "reflection": (("ask", "next"), ("say", "skip", "min_length")),
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
    tree, problems = parse_yaml(data, path)
    if tree is None:
        return Checked(None, tuple(problems), {})
    builder = _Builder(path, problems, base_dir)
    dialogue = builder.build(tree)
    if dialogue is not None:
        problems.extend(check_graph(dialogue, path, builder.marks))
    ok = dialogue is not None and not any(p.is_error for p in problems)
    problems.sort(key=lambda problem: (problem.mark.line, problem.mark.column))
    return Checked(dialogue if ok else None, tuple(problems), builder.marks)


class _Builder(TextReader):
    def __init__(self, path: str, problems: list[Problem], base_dir: Path | None) -> None:
        super().__init__(path, problems, base_dir)
        self.marks: dict[str, Mark] = {}
        self.node_ids: frozenset[str] = frozenset()
        self.scope = expr.Scope({}, frozenset(), {})
        self.button_head: tuple[DialogueId, int] | None = None

    def build(self, tree: Tree) -> Dialogue | None:
        top = self.mapping(tree, "the dialogue", _TOP_REQUIRED, ("summary", "variables"))
        if top is None or any(name not in top for name in ("languages", "nodes")):
            return None
        self.languages = self.read_languages(top["languages"]) or self.languages
        fields = self.read_header(top)
        nodes = self.read_nodes(top["nodes"], top.get("variables"))
        start = self.target(top["start"], "'start'") if "start" in top else None
        dialogue_id, version, title, session, summary, variables = fields
        required = (dialogue_id, version, title, session, variables, nodes, start)
        if None in required or summary is False or any(p.is_error for p in self.problems):
            return None
        return Dialogue(dialogue_id, version, title, session, self.languages, start, nodes, variables, summary)  # type: ignore[arg-type]

    def read_header(self, top: dict[str, Tree]) -> tuple[object, ...]:
        if "id" in top:
            self.marks[":id"] = top["id"].mark
        dialogue_id = self.get(top, "id", lambda t: self.identifier(t, "'id'", DIALOGUE_ID, DIALOGUE_ID_RULE))
        version = self.get(top, "version", lambda t: self.integer(t, "'version'", 1, 1_000_000))
        if isinstance(dialogue_id, str) and isinstance(version, int):
            self.button_head = (DialogueId(dialogue_id), version)
        title = self.get(top, "title", lambda t: self.text(t, "'title'"))
        session = self.get(top, "session", lambda t: self.one_of(t, "session", SESSIONS))
        summary = (self.text(top["summary"], "'summary'") or False) if "summary" in top else None
        variables = self.read_variables(top["variables"]) if "variables" in top else {}
        return dialogue_id, version, title, session, summary, variables

    def get(self, fields: dict[str, Tree], name: str, read: object) -> object:
        return read(fields[name]) if name in fields else None  # type: ignore[operator]

    def read_languages(self, tree: Tree) -> tuple[str, ...] | None:
        items = (tree,) if isinstance(tree, Scalar) else self.sequence(tree, "'languages'")
        if not items:
            if items is not None:
                self.error(tree.mark, "'languages' is empty: name at least one of nl, en")
            return None
        found = [self.one_of(item, "language", LANGUAGES) for item in items]
        if None in found:
            return None
        if len(set(found)) < len(found):
            self.error(tree.mark, "'languages' names a language twice")
        return tuple(dict.fromkeys(language for language in found if language))

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

    def make_scope(self, nodes: Map, variables_tree: Tree | None) -> expr.Scope:
        options: dict[str, list[str]] = {}
        for node_id, (_, node) in nodes.items.items():
            for option_id in _option_ids(node):
                options.setdefault(option_id, []).append(f"{node_id}.{option_id}")
        variables = variables_tree.items if isinstance(variables_tree, Map) else {}
        types = {name: type(value.value) for name, (_, value) in variables.items() if isinstance(value, Scalar)}
        return expr.Scope(types, self.node_ids, {k: tuple(v) for k, v in options.items()})

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
        if say is None or ask is None or target is None or skip is None or least is None:
            return None
        return Reflection(node_id, ask, target, say, skip, least)

    def read_branch(self, node_id: NodeId, fields: dict[str, Tree]) -> Node | None:
        rules = [self.rule(item) for item in self.sequence(fields["when"], "'when'") or ()]
        target = self.target(fields["next"], "'next'")
        if not rules and isinstance(fields["when"], Seq):
            self.error(fields["when"].mark, "'when' is empty: give at least one '- if: ... next: ...'")
        if not rules or None in rules or target is None:
            return None
        return Branch(node_id, tuple(rules), target)  # type: ignore[arg-type]

    def read_end(self, node_id: NodeId, fields: dict[str, Tree]) -> Node | None:
        say = self.bubbles(fields["say"]) if "say" in fields else ()
        return None if say is None else End(node_id, say)

    def rule(self, tree: Tree) -> Rule | None:
        fields = self.mapping(tree, "a 'when' rule", ("if", "next"))
        if fields is None or len(fields) < 2:
            return None
        condition, target = self.condition(fields["if"]), self.target(fields["next"], "'next'")
        return None if condition is None or target is None else Rule(condition, target)

    # --- options ---------------------------------------------------------------

    def options(self, node_id: NodeId, tree: Tree) -> tuple[Option, ...] | None:
        items = self.sequence(tree, "'options'")
        if items is None:
            return None
        if not 1 <= len(items) <= MAX_OPTIONS:
            self.error(tree.mark, f"a choice needs 1 to {MAX_OPTIONS} options, this one has {len(items)}")
        options = [self.option(node_id, item) for item in items]
        ids = [option.id for option in options if option]
        for item, option in zip(items, options, strict=True):
            if option and ids.count(option.id) > 1 and ids.index(option.id) != options.index(option):
                self.error(item.mark, f"option id {option.id!r} is used twice in this choice")
        if options and all(option and option.condition for option in options):
            self.error(tree.mark, "every option here has an 'if': leave at least one without, so nobody is stuck")
        return None if None in options else tuple(options)  # type: ignore[arg-type]

    def option(self, node_id: NodeId, tree: Tree) -> Option | None:
        fields = self.mapping(tree, "an option", ("id", "label", "next"), ("if", "set", "add"))
        if fields is None or len(fields.keys() & {"id", "label", "next"}) < 3:
            return None
        option_id = self.identifier(fields["id"], "option id", NODE_ID, NODE_ID_RULE)
        label = self.label(fields["label"])
        target = self.target(fields["next"], "'next'")
        condition = self.condition(fields["if"]) if "if" in fields else None
        sets = self.assignments(fields.get("set"), adding=False)
        adds = self.assignments(fields.get("add"), adding=True)
        if option_id is not None:
            self.check_button(node_id, OptionId(option_id), fields["id"])
        if None in (option_id, label, target, sets, adds) or ("if" in fields and condition is None):
            return None
        return Option(OptionId(option_id), label, target, condition, sets, adds)  # type: ignore[arg-type]

    def label(self, tree: Tree) -> Text | None:
        text = self.text(tree, "'label'")
        for language, label in text.by_language.items() if text else ():
            if len(label) > MAX_LABEL:
                self.error(tree.mark, f"button label ({language}) is {len(label)} characters: keep it to {MAX_LABEL}")
        return text

    def check_button(self, node_id: NodeId, option_id: OptionId, tree: Tree) -> None:
        if self.button_head is None:
            return
        data = buttons.encode(buttons.ChoiceButton(*self.button_head, node_id, option_id))
        if buttons.size(data) > buttons.MAX_BYTES:
            self.error(
                tree.mark,
                f"button data {data!r} is {buttons.size(data)} bytes, Telegram allows {buttons.MAX_BYTES}: "
                "use shorter dialogue, node or option ids",
            )

    def assignments(self, tree: Tree | None, adding: bool) -> dict[str, expr.Value] | None:
        if tree is None:
            return {}
        key = "add" if adding else "set"
        if not isinstance(tree, Map):
            self.error(tree.mark, f"'{key}' must be a mapping of 'variable: value', not {describe(tree)}")
            return None
        result = {name: self.assignment(key, name, value) for name, (_, value) in tree.items.items()}
        return None if None in result.values() else result  # type: ignore[return-value]

    def assignment(self, key: str, name: str, tree: Tree) -> expr.Value | None:
        declared = self.scope.variables.get(name)
        if declared is None:
            hint = did_you_mean(name, self.scope.variables)
            self.error(tree.mark, f"'{key}' names unknown variable {name!r}{hint}: declare it under 'variables'")
            return None
        wanted = int if key == "add" else declared
        value = tree.value if isinstance(tree, Scalar) else None
        if key == "add" and declared is not int:
            self.error(tree.mark, f"'add' needs a number variable, {name!r} is not one")
        elif wanted is str and isinstance(tree, Scalar) and tree.text.strip():
            return tree.text.strip()
        elif type(value) is wanted:
            return value  # type: ignore[return-value]
        else:
            self.error(tree.mark, f"{name!r} holds {_kind(wanted)}, not {describe(tree)}")
        return None

    # --- leaves ----------------------------------------------------------------

    def target(self, tree: Tree, what: str) -> NodeId | None:
        name = self.string(tree, what)
        if name is not None and name not in self.node_ids:
            self.error(tree.mark, f"{what} names a missing node {name!r}{did_you_mean(name, self.node_ids)}")
            return None
        return None if name is None else NodeId(name)

    def condition(self, tree: Tree) -> expr.Expr | None:
        source = self.string(tree, "'if'")
        if source is None:
            return None
        try:
            return expr.bind(expr.parse(source), self.scope)
        except expr.ExprError as exc:
            shift = 0
            if isinstance(tree, Scalar) and tree.inline:  # else the column is unknown: point at the value
                shift = exc.offset + (not tree.plain) + len(tree.text) - len(tree.text.lstrip())
            self.error(replace(tree.mark, column=tree.mark.column + shift), f"condition: {exc.message}")
            return None


def _option_ids(node: Tree) -> list[str]:
    options = node.items.get("options") if isinstance(node, Map) else None
    items = options[1].items if options and isinstance(options[1], Seq) else ()
    ids = [item.items["id"][1] for item in items if isinstance(item, Map) and "id" in item.items]
    return [option.text for option in ids if isinstance(option, Scalar)]


def _kind(kind: type) -> str:
    return {bool: "true/false", int: "a number", str: "text"}[kind]
