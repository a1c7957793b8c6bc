"""Loading dialogues: every problem as ``path:line:col: message``, and the Dialogue a good file becomes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue.errors import LoadError
from bot.dialogue.loader import check_dialogue, load_dialogue
from bot.dialogue.model import Branch, Choice, End, Message, NodeId, Reflection, Text

# Line numbers the expected messages refer to:
#   1 id   2 version   3 title   4 session   5 languages   6 start   8-9 variables
#  11 hello (message; 13 say, 14 next)
#  15 pick (choice; 17 ask, 18 options, 19 write, 20 its label, 22 refuse, 23 its label)
#  25 why (reflection; 26 type, 27 ask, 28 next)   29 bye (end; 31 say)
BASE = """\
id: trial
version: 1
title: Trial
session: ethics
languages: [en]
start: hello
variables:
  doubts: 0
  mood: calm
nodes:
  hello:
    type: message
    say: Hello
    next: pick
  pick:
    type: choice
    ask: What do you do?
    options:
      - id: write
        label: Write
        next: why
      - id: refuse
        label: Refuse
        next: why
  why:
    type: reflection
    ask: Why?
    next: bye
  bye:
    type: end
    say: Bye
"""

# Line numbers: 3 title, 10 hello's say, 14 bye's say.
BILINGUAL = """\
id: both
version: 1
title: {nl: Beide, en: Both}
session: other
languages: [nl, en]
start: hello
nodes:
  hello:
    type: message
    say: {nl: Hallo, en: Hello}
    next: bye
  bye:
    type: end
    say:
      - {nl: Dag, en: Bye}
"""

CALLBACK = "Telegram allows 64: use shorter dialogue, node or option ids"
CONSENT = "Telegram allows 64: use shorter dialogue or node ids"
REFLECTION_KEYS = "type, ask, next, say, skip, min_length, share"
SESSIONS = "intro, excellence, ethics, engagement, connecting, followup, weekly, manager, community, other"
TOP_KEYS = "id, version, title, session, languages, start, nodes, summary, variables"


def edit(base: str, *changes: tuple[str, str]) -> str:
    """``base`` with each ``old`` (which must occur exactly once) replaced by ``new``."""
    for old, new in changes:
        assert base.count(old) == 1, f"{old!r} must occur once"
        base = base.replace(old, new)
    return base


def refuse_if(condition: str) -> tuple[str, str]:
    """Give the 'refuse' option a condition; its 'if' lands on line 24, the value at column 13."""
    return ("        label: Refuse\n", f"        label: Refuse\n        if: {condition}\n")


def refuse_line(line: str) -> tuple[str, str]:
    """Add one line (line 24) to the 'refuse' option."""
    return ("        label: Refuse\n", f"        label: Refuse\n        {line}\n")


def shared_reflection(node: str) -> tuple[str, str]:
    """After 'why', a reflection ``node`` (line 29) with 'share: true' (line 32, the value at column 12)."""
    return (
        "    next: bye\n",
        f"    next: {node}\n  {node}:\n    type: reflection\n    ask: Your case?\n    share: true\n    next: bye\n",
    )


def problems_of(text: str) -> list[str]:
    checked = check_dialogue(text.encode(), "d.yaml")
    has_errors = any(problem.is_error for problem in checked.problems)
    assert (checked.dialogue is None) == has_errors, "a dialogue is returned exactly when there are no errors"
    return [str(problem) for problem in checked.problems]


def by_position(problem: str) -> tuple[int, int]:
    _, line, column, _ = problem.split(":", 3)
    return int(line), int(column)


def case(name: str, changes: list[tuple[str, str]], *expected: str, base: str = BASE) -> object:
    """Expected problems may be listed in any order; the loader reports them sorted by position."""
    return pytest.param(edit(base, *changes), sorted(expected, key=by_position), id=name)


CASES = [
    # --- YAML and types ---------------------------------------------------------------
    case(
        "duplicate-key",
        [("    ask: Why?\n", "    ask: Why?\n    ask: How?\n")],
        "d.yaml:28:5: duplicate key 'ask' (first at line 27): keys must be unique",
    ),
    case(
        "version-not-a-number",
        [("version: 1", "version: one")],
        "d.yaml:2:10: 'version' must be a whole number, not text ('one')",
    ),
    case(
        "version-out-of-range",
        [("version: 1", "version: 0")],
        "d.yaml:2:10: 'version' must be between 1 and 1000000, not 0",
    ),
    case("title-is-a-list", [("title: Trial", "title: [a, b]")], "d.yaml:3:8: 'title' must be text, not a list"),
    case(
        "peers-not-true-or-false",
        [("    ask: What do you do?\n", "    ask: What do you do?\n    peers: maybe\n")],
        "d.yaml:18:12: 'peers' must be true or false, not text ('maybe')",
    ),
    case(
        "options-not-a-list",
        [("    options:\n      - id: write", "    options: write\n    unused:\n      - id: write")],
        "d.yaml:19:5: unknown key 'unused' in node 'pick' (expected one of: type, ask, options, say, peers)",
        "d.yaml:18:14: 'options' must be a list ('- ' lines), not text ('write')",
    ),
    case(
        "option-not-a-mapping",
        [("      - id: refuse\n        label: Refuse\n        next: why\n", "      - refuse\n")],
        "d.yaml:22:9: an option must be a mapping of 'key: value' lines, not text ('refuse')",
    ),
    case(
        "share-not-true-or-false",
        [("    ask: Why?\n", "    ask: Why?\n    share: sometimes\n")],
        "d.yaml:28:12: 'share' must be true or false, not text ('sometimes')",
    ),
    case(
        "min-length-out-of-range",
        [("    ask: Why?\n", "    ask: Why?\n    min_length: 0\n")],
        "d.yaml:28:17: 'min_length' must be between 1 and 1000, not 0",
    ),
    case(
        "empty-text",
        [("        label: Refuse", "        label: ''")],
        "d.yaml:23:16: 'label' is empty",
    ),
    # --- required and unknown keys --------------------------------------------------------
    case("missing-top-level-key", [("start: hello\n", "")], "d.yaml:1:1: the dialogue is missing 'start'"),
    case("missing-node-key", [("    ask: Why?\n", "")], "d.yaml:26:5: node 'why' is missing 'ask'"),
    case("missing-option-key", [("        label: Refuse\n", "")], "d.yaml:22:9: an option is missing 'label'"),
    case(
        "unknown-key-typo",
        [("    next: bye\n", "    nxt: bye\n")],
        "d.yaml:28:5: unknown key 'nxt' in node 'why' (did you mean 'next'?)",
        "d.yaml:26:5: node 'why' is missing 'next'",
    ),
    case(
        "share-key-typo",
        [("    ask: Why?\n", "    ask: Why?\n    shared: true\n")],
        "d.yaml:28:5: unknown key 'shared' in node 'why' (did you mean 'share'?)",
    ),
    case(
        "unknown-top-level-key-typo",
        [("session: ethics\n", "session: ethics\nsumary: Short\n")],
        "d.yaml:5:1: unknown key 'sumary' in the dialogue (did you mean 'summary'?)",
    ),
    case(
        "unknown-key-without-close-match",
        [("    ask: Why?\n", "    ask: Why?\n    image: why.png\n")],
        f"d.yaml:28:5: unknown key 'image' in node 'why' (expected one of: {REFLECTION_KEYS})",
    ),
    case(
        "unknown-node-type-typo",
        [("type: reflection", "type: reflektion")],
        "d.yaml:26:11: unknown node type 'reflektion' (did you mean 'reflection'?)",
    ),
    case(
        "unknown-node-type",
        [("type: reflection", "type: poem")],
        "d.yaml:26:11: unknown node type 'poem' (expected one of: message, choice, reflection, branch, end)",
    ),
    case(
        "node-without-type",
        [("    type: reflection\n", "")],
        "d.yaml:26:5: node 'why' needs a 'type': one of message, choice, reflection, branch, end",
    ),
    case(
        "session-typo",
        [("session: ethics", "session: ethic")],
        "d.yaml:4:10: unknown session 'ethic' (did you mean 'ethics'?)",
    ),
    case(
        "session-unknown",
        [("session: ethics", "session: 12")],
        f"d.yaml:4:10: unknown session '12' (expected one of: {SESSIONS})",
    ),
    case(
        "dialogue-id-not-valid",
        [("id: trial", "id: Trial!")],
        "d.yaml:1:5: 'id' 'Trial!' is not a valid id: use up to 32 lower-case letters, digits, '-' or '_', "
        "starting with a letter",
    ),
    case(
        "node-id-not-valid",
        [("  bye:\n", "  9bye:\n"), ("    next: bye", "    next: 9bye")],
        "d.yaml:29:3: node id '9bye' is not valid: use up to 32 letters, digits, '-' or '_', starting with a letter",
    ),
    case(
        "nodes-empty",
        [("nodes:\n", "nodes: {}\nunused:\n")],
        f"d.yaml:11:1: unknown key 'unused' in the dialogue (expected one of: {TOP_KEYS})",
        "d.yaml:10:8: 'nodes' must be a mapping of node ids to nodes, not an empty mapping",
        "d.yaml:6:8: 'start' names a missing node 'hello'",
    ),
    # --- languages and texts ------------------------------------------------------------
    case(
        "plain-text-in-two-languages",
        [("    say: {nl: Hallo, en: Hello}", "    say: Hello")],
        "d.yaml:10:10: 'say' needs a text per language: {nl, en}",
        base=BILINGUAL,
    ),
    case(
        "text-missing-a-language",
        [("    say: {nl: Hallo, en: Hello}", "    say: {nl: Hallo}")],
        "d.yaml:10:10: 'say' is missing the en text",
        base=BILINGUAL,
    ),
    case(
        "bubble-missing-a-language",
        [("      - {nl: Dag, en: Bye}", "      - {en: Bye}")],
        "d.yaml:15:9: 'say' is missing the nl text",
        base=BILINGUAL,
    ),
    case(
        "text-in-an-undeclared-language",
        [("title: Trial", "title: {en: Trial, de: Versuch}")],
        "d.yaml:3:20: 'title' has language 'de', not in 'languages'",
    ),
    case(
        "text-in-a-misspelt-language",
        [("title: {nl: Beide, en: Both}", "title: {nl: Beide, en: Both, enn: Both}")],
        "d.yaml:3:30: 'title' has language 'enn' (did you mean 'en'?), not in 'languages'",
        base=BILINGUAL,
    ),
    case(
        "languages-empty",
        [("languages: [en]", "languages: []")],
        "d.yaml:5:12: 'languages' is empty: name at least one of nl, en",
    ),
    case(
        "language-unknown",
        [("languages: [en]", "languages: [en, fr]")],
        "d.yaml:5:17: unknown language 'fr' (expected one of: nl, en)",
    ),
    case(
        "language-twice",
        [("languages: [en]", "languages: [en, en]")],
        "d.yaml:5:12: 'languages' names a language twice",
    ),
    case(
        "text-over-telegram-limit",
        [("    say: Hello", "    say: " + "x" * 4097)],
        "d.yaml:13:10: 'say' is 4,097 characters, Telegram allows 4,096",
    ),
    case(
        "text-in-one-language-over-the-limit",
        [("    say: {nl: Hallo, en: Hello}", "    say: {nl: Hallo, en: " + "x" * 4097 + "}")],
        "d.yaml:10:26: 'say' (en) is 4,097 characters, Telegram allows 4,096",
        base=BILINGUAL,
    ),
    case(
        "long-text-is-a-warning",
        [("    say: Hello", "    say: " + "x" * 1001)],
        "d.yaml:13:10: warning: 'say' is 1,001 characters: long for a phone, split it into bubbles",
    ),
    case("say-empty-list", [("    say: Hello", "    say: []")], "d.yaml:13:10: 'say' is empty"),
    # --- options and buttons ------------------------------------------------------------
    case(
        "label-over-48-characters",
        [("        label: Write", "        label: " + "W" * 49)],
        "d.yaml:20:16: button label (en) is 49 characters: keep it to 48",
    ),
    case(
        "callback-data-over-64-bytes",
        [("id: trial", "id: " + "t" * 32), ("  pick:", "  " + "p" * 21 + ":"), ("next: pick", "next: " + "p" * 21)],
        f"d.yaml:22:13: button data 'c:{'t' * 32}:1:{'p' * 21}:refuse' is 65 bytes, {CALLBACK}",
    ),
    case(
        "callback-data-over-64-utf8-bytes",
        [("      - id: write", "      - id: " + "中" * 17)],
        f"d.yaml:19:13: button data 'c:trial:1:pick:{'中' * 17}' is 66 bytes, {CALLBACK}",
    ),
    case(
        "consent-data-over-64-bytes",
        [("id: trial", "id: " + "t" * 32), shared_reflection("r" * 28)],
        f"d.yaml:32:12: button data 'h:{'t' * 32}:1:{'r' * 28}' is 65 bytes, {CONSENT}",
    ),
    case(
        "consent-data-over-64-utf8-bytes",
        [shared_reflection("中" * 19)],
        f"d.yaml:32:12: button data 'h:trial:1:{'中' * 19}' is 67 bytes, {CONSENT}",
    ),
    case(
        "nine-options",
        [
            (
                "      - id: refuse\n        label: Refuse\n        next: why\n",
                "".join(f"      - {{id: o{i}, label: O{i}, next: why}}\n" for i in range(8)),
            )
        ],
        "d.yaml:19:7: a choice needs 1 to 8 options, this one has 9",
    ),
    case(
        "no-options",
        [
            (
                "    options:\n      - id: write\n        label: Write\n        next: why\n"
                "      - id: refuse\n        label: Refuse\n        next: why\n",
                "    options: []\n",
            )
        ],
        "d.yaml:18:14: a choice needs 1 to 8 options, this one has 0",
    ),
    case(
        "option-id-twice-in-a-choice",
        [("      - id: refuse", "      - id: write")],
        "d.yaml:22:9: option id 'write' is used twice in this choice",
    ),
    case(
        "option-id-starting-with-a-digit",
        [("      - id: refuse", "      - id: 12")],
        "d.yaml:22:13: option id '12' is not a valid id: use up to 32 letters, digits, '-' or '_', "
        "starting with a letter",
    ),
    case(
        "every-option-conditional",
        [refuse_if("doubts > 1"), ("        label: Write\n", "        label: Write\n        if: doubts < 1\n")],
        "d.yaml:19:7: every option here has an 'if': leave at least one without, so nobody is stuck",
    ),
    # --- 'next' and 'start' -------------------------------------------------------------
    case(
        "next-names-a-missing-node",
        [("    next: bye", "    next: by")],
        "d.yaml:28:11: 'next' names a missing node 'by' (did you mean 'bye'?)",
    ),
    case(
        "start-names-a-missing-node",
        [("start: hello", "start: helo")],
        "d.yaml:6:8: 'start' names a missing node 'helo' (did you mean 'hello'?)",
    ),
    case(
        "option-next-names-a-missing-node",
        [("        label: Refuse\n        next: why", "        label: Refuse\n        next: elsewhere")],
        "d.yaml:24:15: 'next' names a missing node 'elsewhere'",
    ),
    # --- the graph ----------------------------------------------------------------------
    case(
        "unreachable-node-is-a-warning",
        [("  hello:\n", "  orphan:\n    type: end\n  hello:\n")],
        "d.yaml:11:3: warning: node 'orphan' can never be reached from 'start'",
    ),
    case(
        "no-end-reachable",
        [("    next: bye\n", "    next: pick\n")],
        "d.yaml:29:3: warning: node 'bye' can never be reached from 'start'",
        "d.yaml:11:3: no 'end' can be reached from node 'hello'",
        "d.yaml:15:3: no 'end' can be reached from node 'pick'",
        "d.yaml:25:3: no 'end' can be reached from node 'why'",
    ),
    case(
        "no-end-node",
        [("  bye:\n    type: end\n    say: Bye\n", ""), ("    next: bye\n", "    next: pick\n")],
        "d.yaml:1:1: the dialogue has no node of type 'end'",
    ),
    case(
        "branch-loops-to-itself",
        [
            (
                "    say: Hello\n    next: pick",
                "    say: Hello\n    next: route\n  route:\n    type: branch\n    when:\n"
                "      - if: doubts > 0\n        next: pick\n    next: route",
            )
        ],
        "d.yaml:15:3: nodes route -> route loop without asking anything",
    ),
    case(
        "message-and-branch-loop-without-a-question",
        [
            (
                "    say: Hello\n    next: pick",
                "    say: Hello\n    next: route\n  route:\n    type: branch\n    when:\n"
                "      - if: doubts > 0\n        next: pick\n    next: hello",
            )
        ],
        "d.yaml:11:3: nodes hello -> route -> hello loop without asking anything",
    ),
    # --- conditions ---------------------------------------------------------------------
    case(
        "condition-syntax-error",
        [refuse_if("doubts > > 1")],
        "d.yaml:24:22: condition: expected a value, found '>'",
    ),
    case(
        "condition-syntax-error-in-quotes",
        [refuse_if("'  doubts > > 1'")],
        "d.yaml:24:25: condition: expected a value, found '>'",
    ),
    case(
        "condition-bad-character",
        [refuse_if("doubts > 1 && mood == 'x'")],
        "d.yaml:24:24: condition: unexpected '&'",
    ),
    case(
        "condition-unclosed-bracket",
        [refuse_if("(doubts > 1")],
        "d.yaml:24:24: condition: expected ')', found the end",
    ),
    case(
        "condition-over-several-lines-points-at-the-value",
        [refuse_if(">\n          doubts >\n          > 1")],
        "d.yaml:24:13: condition: expected a value, found '>'",
    ),
    case(
        "condition-unknown-variable",
        [refuse_if("doubt > 1")],
        "d.yaml:24:13: condition: unknown variable 'doubt' (did you mean 'doubts'?): declare it under 'variables'",
    ),
    case(
        "condition-unknown-node",
        [refuse_if("visited(whyy)")],
        "d.yaml:24:21: condition: unknown node 'whyy' (did you mean 'why'?)",
    ),
    case(
        "condition-unknown-function",
        [refuse_if("visted(why)")],
        "d.yaml:24:13: condition: unknown function 'visted' (did you mean 'visited'?): use visited(...) or chosen(...)",
    ),
    case(
        "condition-compares-text-with-number",
        [refuse_if("mood > 1")],
        "d.yaml:24:18: condition: cannot compare text with a number",
    ),
    case(
        "condition-orders-text",
        [refuse_if("mood < 'calm'")],
        "d.yaml:24:18: condition: '<' compares numbers, not text",
    ),
    case(
        "condition-not-true-or-false",
        [refuse_if("doubts")],
        "d.yaml:24:13: condition: a condition must be true or false, this is a number",
    ),
    case(
        "condition-and-on-a-number",
        [refuse_if("visited(why) and doubts")],
        "d.yaml:24:30: condition: 'and' needs true/false on both sides, not a number",
    ),
    case(
        "condition-empty",
        [refuse_if("''")],
        "d.yaml:24:13: 'if' is empty",
    ),
    case(
        "chosen-option-in-two-choices",
        [
            refuse_if("chosen(write)"),
            (
                "    next: bye\n",
                "    next: again\n  again:\n    type: choice\n    ask: Again?\n    options:\n"
                "      - id: write\n        label: Write\n        next: bye\n",
            ),
        ],
        "d.yaml:24:20: condition: option 'write' is in several choices: write one of pick.write, again.write",
    ),
    case(
        "chosen-unknown-option",
        [refuse_if("chosen(wrte)")],
        "d.yaml:24:20: condition: unknown option 'wrte' (did you mean 'write'?)",
    ),
    case(
        "branch-rule-condition",
        [
            (
                "    say: Hello\n    next: pick",
                "    say: Hello\n    next: route\n  route:\n    type: branch\n    when:\n"
                "      - if: visited(hello) or mod > 1\n        next: pick\n    next: pick",
            )
        ],
        "d.yaml:18:31: condition: unknown variable 'mod' (did you mean 'mood'?): declare it under 'variables'",
    ),
    case(
        "branch-rule-without-next",
        [
            (
                "    say: Hello\n    next: pick",
                "    say: Hello\n    next: route\n  route:\n    type: branch\n    when:\n"
                "      - if: doubts > 0\n    next: pick",
            )
        ],
        "d.yaml:18:9: a 'when' rule is missing 'next'",
    ),
    case(
        "branch-without-rules",
        [
            (
                "    say: Hello\n    next: pick",
                "    say: Hello\n    next: route\n  route:\n    type: branch\n    when: []\n    next: pick",
            )
        ],
        "d.yaml:17:11: 'when' is empty: give at least one '- if: ... next: ...'",
    ),
    # --- variables, 'set' and 'add' -----------------------------------------------------
    case(
        "set-text-on-a-number-variable",
        [refuse_line("set: {doubts: lots}")],
        "d.yaml:24:23: 'doubts' holds a number, not text ('lots')",
    ),
    case(
        "set-true-on-a-number-variable",
        [refuse_line("set: {doubts: true}")],
        "d.yaml:24:23: 'doubts' holds a number, not true/false (true)",
    ),
    case(
        "set-unknown-variable",
        [refuse_line("set: {dobts: 1}")],
        "d.yaml:24:22: 'set' names unknown variable 'dobts' (did you mean 'doubts'?): declare it under 'variables'",
    ),
    case(
        "set-not-a-mapping",
        [refuse_line("set: [doubts]")],
        "d.yaml:24:14: 'set' must be a mapping of 'variable: value', not a list",
    ),
    case(
        "add-on-a-text-variable",
        [refuse_line("add: {mood: 1}")],
        "d.yaml:24:21: 'add' needs a number variable, 'mood' is not one",
    ),
    case(
        "add-text-to-a-number",
        [refuse_line("add: {doubts: x}")],
        "d.yaml:24:23: 'doubts' holds a number, not text ('x')",
    ),
    case(
        "variable-starts-as-a-fraction",
        [("  mood: calm\n", "  mood: 1.5\n")],
        "d.yaml:9:9: variable 'mood' must start as a whole number, true/false or text, not a number (1.5)",
    ),
    case(
        "variable-named-like-a-keyword",
        [("  mood: calm\n", "  mood: calm\n  not: 1\n")],
        "d.yaml:10:3: variable name 'not' is not valid: use letters, digits and '_'",
    ),
    # --- images -------------------------------------------------------------------------
    case(
        "image-over-http",
        [("    say: Hello\n", "    say: Hello\n    image: http://example.org/a.png\n")],
        "d.yaml:14:12: image 'http://example.org/a.png' must be an https:// address or a file beside the dialogue",
    ),
    case(
        "image-absolute-path",
        [("    say: Hello\n", "    say: Hello\n    image: /etc/passwd\n")],
        "d.yaml:14:12: image '/etc/passwd' must be an https:// address or a file beside the dialogue",
    ),
    case(
        "image-outside-the-folder",
        [("    say: Hello\n", "    say: Hello\n    image: ../secret.png\n")],
        "d.yaml:14:12: image '../secret.png' must be an https:// address or a file beside the dialogue",
    ),
    case(
        "image-not-a-picture",
        [("    say: Hello\n", "    say: Hello\n    image: notes.txt\n")],
        "d.yaml:14:12: image 'notes.txt' must be one of .png, .jpg, .jpeg, .gif, .webp",
    ),
    case(
        "image-on-a-reflection",
        [("    ask: Why?\n", "    ask: Why?\n    image: a.png\n")],
        f"d.yaml:28:5: unknown key 'image' in node 'why' (expected one of: {REFLECTION_KEYS})",
    ),
    # --- several at once ----------------------------------------------------------------
    case(
        "every-problem-is-reported",
        [("version: 1", "version: one"), ("    next: bye", "    next: by"), refuse_if("doubt > 1")],
        "d.yaml:2:10: 'version' must be a whole number, not text ('one')",
        "d.yaml:24:13: condition: unknown variable 'doubt' (did you mean 'doubts'?): declare it under 'variables'",
        "d.yaml:29:11: 'next' names a missing node 'by' (did you mean 'bye'?)",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_broken_dialogue_reports_every_problem(text: str, expected: list[str]) -> None:
    """Each broken dialogue gives exactly these problems, each as path:line:col: message."""
    assert problems_of(text) == expected


def test_yaml_syntax_error_is_one_problem_where_the_parser_stopped() -> None:
    """A syntax error is one problem at its line and column (the parser's own words follow; they are not ours)."""
    (problem,) = problems_of(edit(BASE, ("    ask: Why?\n", "    ask: [Why?\n")))
    assert problem.startswith("d.yaml:28:9: YAML syntax error: ")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(BASE, id="base"),
        pytest.param(BILINGUAL, id="bilingual"),
        pytest.param(edit(BASE, ("      - id: write", "      - id: " + "中" * 16)), id="callback-data-of-63-bytes"),
        pytest.param(
            edit(
                BASE,
                ("id: trial", "id: " + "t" * 32),
                ("  pick:", "  " + "p" * 20 + ":"),
                ("t: pick", "t: " + "p" * 20),
            ),
            id="callback-data-of-64-bytes",
        ),
        pytest.param(edit(BASE, shared_reflection("中" * 18)), id="consent-data-of-64-bytes"),
        pytest.param(edit(BASE, ("        label: Write", "        label: " + "W" * 48)), id="label-of-48"),
        pytest.param(edit(BASE, ("    say: Hello", "    say: " + "x" * 1000)), id="text-of-1000"),
        pytest.param(edit(BASE, refuse_if("chosen(write) and not visited(why)")), id="condition"),
        pytest.param(edit(BASE, refuse_line("set: {mood: 12}")), id="number-set-on-text-variable"),
        pytest.param(edit(BASE, ("    say: Hello\n", "    say: Hello\n    image: https://x.org/a.png\n")), id="image"),
    ],
)
def test_dialogue_at_the_limits_has_no_problems(text: str) -> None:
    """Texts, labels and buttons right at Telegram's limits load without a word."""
    assert problems_of(text) == []


def test_image_beside_the_dialogue_is_found(tmp_path: Path) -> None:
    """With a folder, an image must exist in it; an existing one loads."""
    (tmp_path / "hello.png").write_bytes(b"\x89PNG")
    text = edit(BASE, ("    say: Hello\n", "    say: Hello\n    image: hello.png\n"))
    dialogue = load_dialogue(text.encode(), "d.yaml", base_dir=tmp_path)
    assert dialogue.nodes[NodeId("hello")] == Message(
        NodeId("hello"), (Text({"en": "Hello"}),), NodeId("pick"), "hello.png"
    )


def test_missing_image_is_reported_with_the_folder(tmp_path: Path) -> None:
    """A named image file that is not in the dialogue's folder is an error."""
    text = edit(BASE, ("    say: Hello\n", "    say: Hello\n    image: pics/hello.png\n"))
    problems = check_dialogue(text.encode(), "d.yaml", base_dir=tmp_path).problems
    assert [str(p) for p in problems] == [f"d.yaml:14:12: image file 'pics/hello.png' not found in {str(tmp_path)!r}"]


def test_load_error_lists_every_error_but_no_warning() -> None:
    """load_dialogue raises one LoadError whose text is every error, one per line."""
    text = edit(BASE, ("version: 1", "version: one"), ("  hello:\n", "  orphan:\n    type: end\n  hello:\n"))
    with pytest.raises(LoadError) as caught:
        load_dialogue(text.encode(), "d.yaml")
    assert str(caught.value) == "d.yaml:2:10: 'version' must be a whole number, not text ('one')"
    assert [p.severity for p in caught.value.problems] == ["error"]


SAMPLE = """\
id: sample
version: 3
title: {nl: Proef, en: Sample}
session: ethics
languages: [nl, en]
start: hello
variables:
  doubts: 0
  tone: calm
  ready: false
nodes:
  hello:
    type: message
    say:
      - {nl: Hallo, en: Hello}
      - {nl: Daar gaan we, en: Here we go}
    next: pick
  pick:
    type: choice
    ask: {nl: Wat doe je?, en: What do you do?}
    peers: yes
    options:
      - id: write
        label: {nl: Schrijven, en: Write}
        add: {doubts: 1}
        set: {tone: worried, ready: true}
        next: why
      - id: refuse
        label: {nl: Weigeren, en: Refuse}
        if: doubts > 0 and not visited(why)
        next: why
  why:
    type: reflection
    ask: {nl: Waarom?, en: Why?}
    skip: true
    min_length: 3
    next: route
  route:
    type: branch
    when:
      - if: chosen(write) and doubts >= 1
        next: bye
    next: bye
  bye:
    type: end
    say: {nl: Dag, en: Bye}
"""


def test_valid_dialogue_loads_to_the_expected_structure() -> None:
    """A good file becomes a Dialogue with its header, variables, node kinds and options."""
    dialogue = load_dialogue(SAMPLE.encode(), "sample.yaml")
    assert (dialogue.id, dialogue.version, dialogue.session, dialogue.start) == ("sample", 3, "ethics", "hello")
    assert dialogue.languages == ("nl", "en")
    assert dialogue.title == Text({"nl": "Proef", "en": "Sample"})
    assert dict(dialogue.variables) == {"doubts": 0, "tone": "calm", "ready": False}
    assert {name: type(node) for name, node in dialogue.nodes.items()} == {
        "hello": Message,
        "pick": Choice,
        "why": Reflection,
        "route": Branch,
        "bye": End,
    }
    hello, pick, why, route, bye = dialogue.nodes.values()
    bubbles = (Text({"nl": "Hallo", "en": "Hello"}), Text({"nl": "Daar gaan we", "en": "Here we go"}))
    assert hello == Message(NodeId("hello"), bubbles, NodeId("pick"))
    assert isinstance(pick, Choice)
    assert (pick.ask.get("en"), pick.peers, pick.say) == ("What do you do?", True, ())
    write, refuse = pick.options
    assert (write.id, write.label.get("nl"), write.next, write.condition) == ("write", "Schrijven", "why", None)
    assert (dict(write.adds), dict(write.sets)) == ({"doubts": 1}, {"tone": "worried", "ready": True})
    assert (refuse.id, refuse.label.get("en"), refuse.next) == ("refuse", "Refuse", "why")
    assert refuse.condition is not None
    assert why == Reflection(
        NodeId("why"), Text({"nl": "Waarom?", "en": "Why?"}), NodeId("route"), skip=True, min_length=3
    )
    assert isinstance(route, Branch)
    assert ([rule.next for rule in route.when], route.next) == (["bye"], "bye")
    assert bye == End(NodeId("bye"), (Text({"nl": "Dag", "en": "Bye"}),))
    assert dialogue.summary is None


@pytest.mark.parametrize(("line", "share"), [("share: true", True), ("share: false", False), ("skip: true", False)])
def test_share_is_read_and_defaults_to_no(line: str, share: bool) -> None:
    """'share: true' marks a reflection for the Community of Practice; 'false' or leaving it out means it is not."""
    dialogue = load_dialogue(edit(BASE, ("    ask: Why?\n", f"    ask: Why?\n    {line}\n")).encode(), "d.yaml")
    why = dialogue.nodes[NodeId("why")]
    assert isinstance(why, Reflection) and why.share is share


@pytest.mark.parametrize("empty", ["~", "null", "''"])
def test_null_text_is_empty(empty: str) -> None:
    """A label written as ~ or null is reported as empty, not kept as the text '~'."""
    text = edit(BASE, ("        label: Write\n", f"        label: {empty}\n"))
    assert any("'label' is empty" in problem for problem in problems_of(text))


def test_graph_problems_reported_beside_field_errors() -> None:
    """An unreachable node and a dead end are reported even while a label is wrong elsewhere."""
    text = edit(
        BASE,
        ("        label: Write\n", "        label: [Write]\n"),
        (
            "  bye:\n",
            "  lost:\n    type: message\n    say: Lost\n    next: lost2\n  lost2:\n    type: branch\n"
            "    when: [{if: 'doubts > 1', next: lost}]\n    next: lost\n  bye:\n",
        ),
    )
    problems = problems_of(text)
    assert any("'label' must be text, not a list" in p for p in problems)
    assert any("warning: node 'lost' can never be reached from 'start'" in p for p in problems)
    assert any("nodes lost -> lost2 -> lost loop without asking anything" in p for p in problems)


def test_broken_link_does_not_cascade() -> None:
    """A `next` naming a missing node is one error, not also 'unreachable' and 'no end' for its neighbours."""
    problems = problems_of(edit(BASE, ("    next: bye\n", "    next: by\n")))
    assert problems == ["d.yaml:28:11: 'next' names a missing node 'by' (did you mean 'bye'?)"]


def test_duplicate_option_id_found_after_a_broken_option() -> None:
    """A broken option before two options with the same id does not hide the duplicate."""
    text = edit(
        BASE,
        (
            "      - id: write\n        label: Write\n",
            "      - id: 9bad\n        label: Bad\n        next: why\n      - id: refuse\n        label: Write\n",
        ),
    )
    problems = problems_of(text)
    assert any("option id '9bad' is not a valid id" in p for p in problems)
    assert sum("option id 'refuse' is used twice in this choice" in p for p in problems) == 1


def test_garbage_collector_state_is_restored() -> None:
    """Checking pauses the cyclic GC only while it runs, and leaves a disabled GC disabled."""
    import gc

    check_dialogue(b"id: [", "d.yaml")
    assert gc.isenabled()
    gc.disable()
    try:
        check_dialogue(BASE.encode(), "d.yaml")
        assert not gc.isenabled()
    finally:
        gc.enable()
