"""The condition language: parsed by hand, checked against the dialogue, never eval'd."""

from __future__ import annotations

import pytest

from bot.dialogue.errors import ExprError
from bot.dialogue.expr import Env, evaluate, parse
from bot.dialogue.scope import Scope, bind

SCOPE = Scope(
    variables={"doubts": int, "spoke_up": bool, "role": str},
    nodes=frozenset({"intro", "why"}),
    options={"write": ("pick.write",), "yes": ("a.yes", "b.yes"), "no": ("a.no",)},
)
ENV = Env(
    {"doubts": 2, "spoke_up": False, "role": "author"}, {"intro": 1}, [("pick", "write"), ("b", "yes"), ("why", None)]
)


def run(source: str) -> object:
    return evaluate(bind(parse(source), SCOPE), ENV)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("doubts > 1", True, id="greater"),
        pytest.param("doubts >= 3", False, id="greater-equal"),
        pytest.param("doubts == 2 and not spoke_up", True, id="and-not"),
        pytest.param("spoke_up or doubts < 0", False, id="or"),
        pytest.param("not spoke_up and spoke_up or true", True, id="precedence-not-and-or"),
        pytest.param("not (spoke_up or true)", False, id="parentheses"),
        pytest.param("role == 'author'", True, id="single-quoted-text"),
        pytest.param('role != "author"', False, id="double-quoted-text"),
        pytest.param("visited(intro) and not visited(why)", True, id="visited"),
        pytest.param("chosen(write)", True, id="chosen-unique"),
        pytest.param("chosen(b.yes) and not chosen(a.yes)", True, id="chosen-qualified"),
        pytest.param("chosen(no)", False, id="not-chosen"),
        pytest.param("doubts == -1 or doubts <= 2", True, id="negative-number"),
        pytest.param("spoke_up == false", True, id="bool-literal"),
    ],
)
def test_evaluates(source: str, expected: bool) -> None:
    """Conditions evaluate as a trainer would read them."""
    assert run(source) is expected


@pytest.mark.parametrize(
    ("source", "message", "offset"),
    [
        pytest.param("doubts >", "expected a value, found the end", 8, id="missing-operand"),
        pytest.param("doubts > 1 spoke_up", "expected 'and', 'or' or the end, found 'spoke_up'", 11, id="two-values"),
        pytest.param("(spoke_up", "expected ')', found the end", 9, id="unclosed"),
        pytest.param("doubts && spoke_up", "unexpected '&'", 7, id="c-operator"),
        pytest.param(
            "__import__('os')", "unknown function '__import__': use visited(...) or chosen(...)", 0, id="no-eval"
        ),
        pytest.param(
            "visit(intro)",
            "unknown function 'visit' (did you mean 'visited'?): use visited(...) or chosen(...)",
            0,
            id="function-typo",
        ),
        pytest.param("visited()", "expected an id inside visited(...), found ')'", 8, id="empty-call"),
        pytest.param("", "condition is empty", 0, id="empty"),
        pytest.param(
            "doubt > 1",
            "unknown variable 'doubt' (did you mean 'doubts'?): declare it under 'variables'",
            0,
            id="unknown-variable",
        ),
        pytest.param("visited(intr)", "unknown node 'intr' (did you mean 'intro'?)", 8, id="unknown-node"),
        pytest.param(
            "chosen(yes)", "option 'yes' is in several choices: write one of a.yes, b.yes", 7, id="ambiguous-option"
        ),
        pytest.param("chosen(maybe)", "unknown option 'maybe'", 7, id="unknown-option"),
        pytest.param("role > 1", "cannot compare text with a number", 5, id="type-mismatch"),
        pytest.param("role < 'b'", "'<' compares numbers, not text", 5, id="ordering-text"),
        pytest.param("doubts", "a condition must be true or false, this is a number", 0, id="not-boolean"),
        pytest.param("spoke_up and doubts", "'and' needs true/false on both sides, not a number", 13, id="and-number"),
        pytest.param("x" * 501, "condition is too long: 501 characters, the limit is 500", 0, id="too-long"),
        pytest.param("not " * 30 + "true", "condition is nested more than 20 levels deep", 84, id="too-deep"),
    ],
)
def test_reports_problem_at_offset(source: str, message: str, offset: int) -> None:
    """A bad condition raises ExprError naming the problem and where it is."""
    with pytest.raises(ExprError) as caught:
        bind(parse(source), SCOPE)
    assert (caught.value.message, caught.value.offset) == (message, offset)


def test_deep_parentheses_do_not_overflow() -> None:
    """Thousands of parentheses give a clear error, not a RecursionError."""
    with pytest.raises(ExprError, match=r"too long|nested"):
        parse("(" * 400 + "true" + ")" * 400)
    with pytest.raises(ExprError, match="nested"):
        parse("(" * 100 + "true" + ")" * 100)
