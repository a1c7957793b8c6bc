"""The tiny condition language used by ``if:`` in dialogues.

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := atom (("==" | "!=" | "<" | "<=" | ">" | ">=") atom)?
    atom    := INTEGER | 'text' | "text" | true | false | NAME
             | visited(NODE) | chosen(OPTION) | "(" expr ")"

It is parsed here by hand into frozen dataclasses and evaluated by walking
them: nothing is ever handed to Python's ``eval``. ``scope.bind`` checks names
and types against a dialogue once, at load time, so evaluation cannot fail.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from bot.dialogue.errors import ExprError
from bot.dialogue.problems import Suggest, did_you_mean

Value: TypeAlias = bool | int | str
MAX_LENGTH = 500
MAX_DEPTH = 20
_KEYWORDS = {"and", "or", "not", "true", "false"}
_FUNCTIONS = ("visited", "chosen")
_TOKEN = re.compile(
    r"""\s*(?:(?P<int>-?\d+)|(?P<text>'[^']*'|"[^"]*")|(?P<op>==|!=|<=|>=|<|>|\(|\))|(?P<name>[^\W\d][\w.-]*))"""
)


@dataclass(frozen=True, slots=True)
class Literal:
    value: Value


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    offset: int


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    argument: str
    offset: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class Logic:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Expr
    right: Expr
    offset: int


Expr: TypeAlias = Literal | Var | Call | Not | Logic | Compare


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    offset: int


def _tokenize(source: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(source.rstrip()):
        match = _TOKEN.match(source, position)
        if match is None or match.lastgroup is None:
            bad = source[position:].lstrip()[:1]
            raise ExprError(f"unexpected {bad!r}", len(source) - len(source[position:].lstrip()))
        group = match.lastgroup
        text = match.group(group)
        kind = text if group == "name" and text in _KEYWORDS else group
        tokens.append(_Token(kind, text, match.start(group)))
        position = match.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


def parse(source: str, suggest: Suggest = did_you_mean) -> Expr:
    """Parse a condition or raise ExprError pointing at the offending character (``suggest`` finds a typo's fix)."""
    if len(source) > MAX_LENGTH:
        raise ExprError(f"condition is too long: {len(source)} characters, the limit is {MAX_LENGTH}", 0)
    if not source.strip():
        raise ExprError("condition is empty", 0)
    return _Parser(_tokenize(source), suggest).parse()


class _Parser:
    def __init__(self, tokens: list[_Token], suggest: Suggest) -> None:
        self.tokens, self.index, self.depth, self.suggest = tokens, 0, 0, suggest

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.current
        self.index += 1
        return token

    def expect(self, kind: str, what: str) -> _Token:
        if self.current.kind != kind:
            raise ExprError(f"expected {what}, found {self._describe(self.current)}", self.current.offset)
        return self.advance()

    def parse(self) -> Expr:
        expr = self.logic("or")
        if self.current.kind != "end":
            token = self.current
            raise ExprError(f"expected 'and', 'or' or the end, found {self._describe(token)}", token.offset)
        return expr

    def logic(self, op: str) -> Expr:
        operand: Callable[[], Expr] = (lambda: self.logic("and")) if op == "or" else self.negation
        left = operand()
        while self.current.kind == op:
            self.advance()
            left = Logic(op, left, operand())
        return left

    def negation(self) -> Expr:
        if self.current.kind != "not":
            return self.compare()
        self.advance()
        return Not(self.nested(self.negation))

    def compare(self) -> Expr:
        left = self.atom()
        if self.current.kind == "op" and self.current.text not in "()":
            token = self.advance()
            return Compare(token.text, left, self.atom(), token.offset)
        return left

    def atom(self) -> Expr:
        token = self.advance()
        if token.kind == "int":
            return Literal(int(token.text))
        if token.kind == "text":
            return Literal(token.text[1:-1])
        if token.kind in ("true", "false"):
            return Literal(token.kind == "true")
        if token.kind == "name":
            return self.call(token) if self.current.text == "(" else Var(token.text, token.offset)
        if token.text == "(":
            expr = self.nested(lambda: self.logic("or"))
            self.close()
            return expr
        raise ExprError(f"expected a value, found {self._describe(token)}", token.offset)

    def call(self, name: _Token) -> Expr:
        if name.text not in _FUNCTIONS:
            hint = self.suggest(name.text, _FUNCTIONS)
            raise ExprError(f"unknown function {name.text!r}{hint}: use visited(...) or chosen(...)", name.offset)
        self.advance()
        argument = self.expect("name", f"an id inside {name.text}(...)")
        self.close()
        return Call(name.text, argument.text, argument.offset)

    def nested(self, parse: Callable[[], Expr]) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"condition is nested more than {MAX_DEPTH} levels deep", self.current.offset)
        try:
            return parse()
        finally:
            self.depth -= 1

    def close(self) -> None:
        if self.current.text != ")" or self.current.kind != "op":
            raise ExprError(f"expected ')', found {self._describe(self.current)}", self.current.offset)
        self.advance()

    @staticmethod
    def _describe(token: _Token) -> str:
        return "the end" if token.kind == "end" else repr(token.text)


class Env:
    """What a condition reads while the dialogue runs.

    ``answers`` are (node, option) pairs; the set of chosen options is built
    only if a condition asks for it.
    """

    __slots__ = ("_answers", "_chosen", "variables", "visited")

    def __init__(
        self,
        variables: Mapping[str, Value],
        visited: Mapping[str, int],
        answers: Iterable[tuple[str, str | None]] = (),
    ) -> None:
        self.variables, self.visited, self._answers = variables, visited, answers
        self._chosen: frozenset[str] | None = None

    @property
    def chosen(self) -> frozenset[str]:
        if self._chosen is None:
            self._chosen = frozenset(f"{node}.{option}" for node, option in self._answers if option is not None)
        return self._chosen


def evaluate(expr: Expr, env: Env) -> Value:
    """Evaluate a bound expression."""
    match expr:
        case Literal(value):
            return value
        case Var(name):
            return env.variables[name]
        case Call("visited", argument):
            return env.visited.get(argument, 0) > 0
        case Call(_, argument):
            return argument in env.chosen
        case Not(operand):
            return not evaluate(operand, env)
        case Logic("and", left, right):
            return bool(evaluate(left, env)) and bool(evaluate(right, env))
        case Logic(_, left, right):
            return bool(evaluate(left, env)) or bool(evaluate(right, env))
        case Compare(op, left, right):
            return _COMPARE[op](evaluate(left, env), evaluate(right, env))
    raise AssertionError(expr)  # pragma: no cover


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
