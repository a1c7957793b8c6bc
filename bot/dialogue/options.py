"""Reading options, ``next`` targets and conditions: the parts of a node that link it to others."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from bot.dialogue import buttons, expr, scope
from bot.dialogue.errors import ExprError
from bot.dialogue.model import DialogueId, NodeId, Option, OptionId, Text
from bot.dialogue.problems import Problem
from bot.dialogue.reader import describe, present
from bot.dialogue.texts import MAX_LABEL, TextReader
from bot.dialogue.yamltree import Map, Scalar, Tree

NODE_ID = re.compile(r"[^\W\d][\w-]{0,31}")
NODE_ID_RULE = "use up to 32 letters, digits, '-' or '_', starting with a letter"
MAX_OPTIONS = 8


class OptionReader(TextReader):
    def __init__(self, path: str, problems: list[Problem], base_dir: Path | None) -> None:
        super().__init__(path, problems, base_dir)
        self.node_ids: frozenset[str] = frozenset()
        self.scope = scope.Scope({}, frozenset(), {})
        self.button_head: tuple[DialogueId, int] | None = None

    def options(self, node_id: NodeId, tree: Tree) -> tuple[Option, ...] | None:
        items = self.sequence(tree, "'options'")
        if items is None:
            return None
        if not 1 <= len(items) <= MAX_OPTIONS:
            self.error(tree.mark, f"a choice needs 1 to {MAX_OPTIONS} options, this one has {len(items)}")
        options = [self.option(node_id, item) for item in items]
        seen: set[str] = set()
        for item, option in zip(items, options, strict=True):
            if option is not None and option.id in seen:
                self.error(item.mark, f"option id {option.id!r} is used twice in this choice")
            seen.update([option.id] if option else [])
        if options and all(option and option.condition for option in options):
            self.error(tree.mark, "every option here has an 'if': leave at least one without, so nobody is stuck")
        return present(options)

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
        if option_id is None or label is None or target is None or sets is None or adds is None:
            return None
        if "if" in fields and condition is None:
            return None
        return Option(OptionId(option_id), label, target, condition, sets, adds)

    def label(self, tree: Tree) -> Text | None:
        text = self.text(tree, "'label'")
        for language, label in text.by_language.items() if text else ():
            if len(label) > MAX_LABEL:
                self.error(tree.mark, f"button label ({language}) is {len(label)} characters: keep it to {MAX_LABEL}")
        return text

    def check_button(self, node_id: NodeId, option_id: OptionId, tree: Tree) -> None:
        if self.button_head is not None:
            data = buttons.encode(buttons.ChoiceButton(*self.button_head, node_id, option_id))
            self.check_size(data, tree, "dialogue, node or option ids")

    def check_consent(self, node_id: NodeId, tree: Tree) -> None:
        """The "may be shared" button of a ``share: true`` reflection fits Telegram's callback data."""
        if self.button_head is not None:
            self.check_size(buttons.consent_data(*self.button_head, node_id), tree, "dialogue or node ids")

    def check_size(self, data: str, tree: Tree, shorter: str) -> None:
        if buttons.size(data) > buttons.MAX_BYTES:
            self.error(
                tree.mark,
                f"button data {data!r} is {buttons.size(data)} bytes, Telegram allows {buttons.MAX_BYTES}: "
                f"use shorter {shorter}",
            )

    def assignments(self, tree: Tree | None, adding: bool) -> dict[str, expr.Value] | None:
        if tree is None:
            return {}
        key = "add" if adding else "set"
        if not isinstance(tree, Map):
            self.error(tree.mark, f"'{key}' must be a mapping of 'variable: value', not {describe(tree)}")
            return None
        names = list(tree.items)
        values: tuple[expr.Value, ...] | None = present(
            self.assignment(key, name, value) for name, (_, value) in tree.items.items()
        )
        return None if values is None else dict(zip(names, values, strict=True))

    def assignment(self, key: str, name: str, tree: Tree) -> expr.Value | None:
        declared = self.scope.variables.get(name)
        if declared is None:
            hint = self.suggest(name, self.scope.variables.keys())
            self.error(tree.mark, f"'{key}' names unknown variable {name!r}{hint}: declare it under 'variables'")
            return None
        wanted = int if key == "add" else declared
        value = tree.value if isinstance(tree, Scalar) else None
        if key == "add" and declared is not int:
            self.error(tree.mark, f"'add' needs a number variable, {name!r} is not one")
        elif wanted is str and isinstance(tree, Scalar) and tree.text.strip():
            return tree.text.strip()
        elif type(value) is wanted and isinstance(value, bool | int | str):
            return value
        else:
            self.error(tree.mark, f"{name!r} holds {scope.type_name(wanted)}, not {describe(tree)}")
        return None

    def target(self, tree: Tree, what: str) -> NodeId | None:
        name = self.string(tree, what)
        if name is not None and name not in self.node_ids:
            self.error(tree.mark, f"{what} names a missing node {name!r}{self.suggest(name, self.node_ids)}")
            return None
        return None if name is None else NodeId(name)

    def condition(self, tree: Tree) -> expr.Expr | None:
        source = self.string(tree, "'if'")
        if source is None:
            return None
        try:
            return scope.bind(expr.parse(source, self.suggest), self.scope, self.suggest)
        except ExprError as exc:
            shift = 0
            if isinstance(tree, Scalar) and tree.inline:  # else the column is unknown: point at the value
                shift = exc.offset + (not tree.plain) + len(tree.text) - len(tree.text.lstrip())
            self.error(replace(tree.mark, column=tree.mark.column + shift), f"condition: {exc.message}")
            return None
