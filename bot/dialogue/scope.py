"""Checking a parsed condition against its dialogue: names exist, types fit.

Runs once when a dialogue loads, so that ``expr.evaluate`` never meets an
unknown name or a comparison of a number with text while someone is chatting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot.dialogue.errors import ExprError
from bot.dialogue.expr import Call, Compare, Expr, Literal, Logic, Not, Var
from bot.dialogue.problems import Suggest, did_you_mean


@dataclass(frozen=True, slots=True)
class Scope:
    """What a dialogue's conditions may name."""

    variables: Mapping[str, type]
    nodes: frozenset[str]
    options: Mapping[str, tuple[str, ...]]  # option id -> "node.option" keys that carry it
    option_names: tuple[str, ...] = field(init=False, repr=False, compare=False)  # both forms, for suggestions

    def __post_init__(self) -> None:
        qualified = (key for keys in self.options.values() for key in keys)
        object.__setattr__(self, "option_names", (*self.options, *qualified))


def bind(expr: Expr, scope: Scope, suggest: Suggest = did_you_mean) -> Expr:
    """Check names and types against ``scope``; qualify option ids as ``node.option``."""
    bound, kind = _Binder(scope, suggest).visit(expr)
    if kind is not bool:
        raise ExprError(f"a condition must be true or false, this is {type_name(kind)}", 0)
    return bound


def type_name(kind: type) -> str:
    """A value type in a trainer's words."""
    return {bool: "true/false", int: "a number", str: "text"}.get(kind, kind.__name__)


class _Binder:
    def __init__(self, scope: Scope, suggest: Suggest) -> None:
        self.scope, self.suggest = scope, suggest

    def visit(self, expr: Expr) -> tuple[Expr, type]:
        match expr:
            case Literal(value):
                return expr, type(value)
            case Var(name, offset):
                return expr, self.variable(name, offset)
            case Call():
                return self.call(expr), bool
            case Not(operand):
                return Not(self.boolean(operand, "not")), bool
            case Logic(op, left, right):
                return Logic(op, self.boolean(left, op), self.boolean(right, op)), bool
            case Compare():
                return self.compare(expr), bool
        raise AssertionError(expr)  # pragma: no cover

    def variable(self, name: str, offset: int) -> type:
        if name not in self.scope.variables:
            hint = self.suggest(name, self.scope.variables.keys())
            raise ExprError(f"unknown variable {name!r}{hint}: declare it under 'variables'", offset)
        return self.scope.variables[name]

    def boolean(self, expr: Expr, op: str) -> Expr:
        bound, kind = self.visit(expr)
        if kind is not bool:
            raise ExprError(f"'{op}' needs true/false on both sides, not {type_name(kind)}", _offset(expr))
        return bound

    def compare(self, expr: Compare) -> Compare:
        left, left_type = self.visit(expr.left)
        right, right_type = self.visit(expr.right)
        if left_type is not right_type:
            raise ExprError(f"cannot compare {type_name(left_type)} with {type_name(right_type)}", expr.offset)
        if expr.op not in ("==", "!=") and left_type is not int:
            raise ExprError(f"{expr.op!r} compares numbers, not {type_name(left_type)}", expr.offset)
        return replace(expr, left=left, right=right)

    def call(self, call: Call) -> Call:
        if call.function == "visited":
            if call.argument not in self.scope.nodes:
                hint = self.suggest(call.argument, self.scope.nodes)
                raise ExprError(f"unknown node {call.argument!r}{hint}", call.offset)
            return call
        return replace(call, argument=self.option(call.argument, call.offset))

    def option(self, name: str, offset: int) -> str:
        if name in self.scope.options.get(name.rpartition(".")[2], ()):  # already "node.option"
            return name
        keys = self.scope.options.get(name, ())
        if len(keys) == 1:
            return keys[0]
        if len(keys) > 1:
            raise ExprError(f"option {name!r} is in several choices: write one of {', '.join(keys)}", offset)
        hint = self.suggest(name, self.scope.option_names)
        raise ExprError(f"unknown option {name!r}{hint}", offset)


def _offset(expr: Expr) -> int:
    match expr:
        case Var(offset=offset) | Call(offset=offset) | Compare(offset=offset):
            return offset
        case Logic(left=left) | Not(operand=left):
            return _offset(left)
    return 0
