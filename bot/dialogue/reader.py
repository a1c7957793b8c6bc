"""Typed reading of a YAML tree that records a problem instead of raising.

Each method returns the value, or None after recording why it could not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar, cast

from bot.dialogue.problems import Mark, Problem, Suggestions
from bot.dialogue.yamltree import Key, Map, Scalar, Seq, Tree

T = TypeVar("T")


def present(items: Iterable[T | None]) -> tuple[T, ...] | None:
    """All of ``items``, or None if any of them could not be read."""
    found = tuple(items)
    return None if any(item is None for item in found) else cast(tuple[T, ...], found)


def describe(tree: Tree) -> str:
    """Say what a value is, in the words of the person who wrote it."""
    if isinstance(tree, Map):
        return "a mapping"
    if isinstance(tree, Seq):
        return "a list"
    if tree.value is None:
        return "nothing"
    if isinstance(tree.value, bool):
        return f"true/false ({tree.text})"
    if isinstance(tree.value, int | float):
        return f"a number ({tree.text})"
    return f"text ({tree.text[:40]!r})"


class Reader:
    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path, self.problems = path, problems
        self.suggest = Suggestions()

    def error(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(self.path, mark, message))

    def warn(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(self.path, mark, message, "warning"))

    def mapping(
        self, tree: Tree, what: str, required: Iterable[str] = (), optional: Iterable[str] = ()
    ) -> dict[str, Tree] | None:
        """The known keys of a mapping; unknown and missing keys are reported."""
        if not isinstance(tree, Map):
            self.error(tree.mark, f"{what} must be a mapping of 'key: value' lines, not {describe(tree)}")
            return None
        required = tuple(required)
        allowed = (*required, *optional)
        for name, (key, _) in tree.items.items():
            if name not in allowed:
                self.unknown_key(key, what, allowed)
        for name in required:
            if name not in tree.items:
                self.error(tree.mark, f"{what} is missing {name!r}")
        return {name: value for name, (_, value) in tree.items.items() if name in allowed}

    def unknown_key(self, key: Key, what: str, allowed: tuple[str, ...]) -> None:
        hint = self.suggest(key.text, allowed) or f" (expected one of: {', '.join(allowed)})"
        self.error(key.mark, f"unknown key {key.text!r} in {what}{hint}")

    def string(self, tree: Tree, what: str) -> str | None:
        """Text as written: ``yes``, ``no``, ``12`` and ``1.5`` stay text where text is expected."""
        if not isinstance(tree, Scalar):
            self.error(tree.mark, f"{what} must be text, not {describe(tree)}")
            return None
        if not tree.text.strip() or (tree.value is None and tree.plain):
            self.error(tree.mark, f"{what} is empty")
            return None
        return tree.text.strip()

    def identifier(self, tree: Tree, what: str, pattern: re.Pattern[str], rule: str) -> str | None:
        text = self.string(tree, what)
        if text is not None and not pattern.fullmatch(text):
            self.error(tree.mark, f"{what} {text!r} is not a valid id: {rule}")
            return None
        return text

    def integer(self, tree: Tree, what: str, low: int, high: int) -> int | None:
        value = tree.value if isinstance(tree, Scalar) else None
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(tree.mark, f"{what} must be a whole number, not {describe(tree)}")
            return None
        if not low <= value <= high:
            self.error(tree.mark, f"{what} must be between {low} and {high}, not {value}")
            return None
        return value

    def boolean(self, tree: Tree, what: str) -> bool | None:
        value = tree.value if isinstance(tree, Scalar) else None
        if not isinstance(value, bool):
            self.error(tree.mark, f"{what} must be true or false, not {describe(tree)}")
            return None
        return value

    def sequence(self, tree: Tree, what: str) -> tuple[Tree, ...] | None:
        if not isinstance(tree, Seq):
            self.error(tree.mark, f"{what} must be a list ('- ' lines), not {describe(tree)}")
            return None
        return tree.items

    def one_of(self, tree: Tree, what: str, choices: tuple[str, ...]) -> str | None:
        text = self.string(tree, what)
        if text is not None and text not in choices:
            hint = self.suggest(text, choices) or f" (expected one of: {', '.join(choices)})"
            self.error(tree.mark, f"unknown {what} {text!r}{hint}")
            return None
        return text
