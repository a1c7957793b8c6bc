"""Safe YAML reading: hostile or broken files give one clear, positioned error, never a crash."""

from __future__ import annotations

import time

import pytest
import yaml

from bot.dialogue import yamltree
from bot.dialogue.loader import check_dialogue, load_dialogue
from bot.dialogue.model import Choice, NodeId
from bot.dialogue.problems import Mark
from bot.dialogue.yamltree import MAX_BYTES, MAX_DEPTH, Key, Map, Scalar, Seq, parse_yaml

PATH = "d.yaml"
ALIASES = "d.yaml:1:4: anchors and aliases (& and *) are not allowed: write the text out in full"
EMPTY = "d.yaml:1:1: file is empty: expected a dialogue"
TOO_LARGE = f"d.yaml:1:1: file is too large: {{size:,}} bytes, the limit is {MAX_BYTES:,}"


def fatal(data: bytes) -> list[str]:
    """The problems of a file that cannot be read at all."""
    tree, problems = parse_yaml(data, PATH)
    assert tree is None
    return [str(problem) for problem in problems]


def checked(data: bytes) -> list[str]:
    """Every problem ``check_dialogue`` reports, as printed."""
    return [str(problem) for problem in check_dialogue(data, PATH).problems]


def timed(data: bytes) -> tuple[list[str], float]:
    began = time.perf_counter()
    problems = checked(data)
    return problems, time.perf_counter() - began


def billion_laughs() -> bytes:
    """The classic alias bomb: nine levels of nine aliases, a billion 'lol's once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines).encode() + b"\n"


# --- what a good file becomes --------------------------------------------------


def test_plain_yaml_becomes_a_tree_with_one_based_positions() -> None:
    """Keys, values and collections keep their 1-based line and column."""
    tree, problems = parse_yaml(b"a: 1\nb: [x, 'y']\n", PATH)
    assert problems == []
    assert tree == Map(
        {
            "a": (Key("a", Mark(1, 1)), Scalar(1, "1", Mark(1, 4), plain=True, inline=True)),
            "b": (
                Key("b", Mark(2, 1)),
                Seq(
                    (
                        Scalar("x", "x", Mark(2, 5), plain=True, inline=True),
                        Scalar("y", "y", Mark(2, 8), plain=False, inline=True),
                    ),
                    Mark(2, 4),
                ),
            ),
        },
        Mark(1, 1),
    )


def test_scalars_keep_the_text_as_written() -> None:
    """``yes``, ``12`` and a date keep their written text next to the value YAML resolves."""
    tree, _ = parse_yaml(b"a: yes\nb: 12\nc: 2024-01-01\nd: !!str 7\n", PATH)
    assert isinstance(tree, Map)
    values = {name: value for name, (_, value) in tree.items.items()}
    assert [(v.value, v.text) for v in values.values() if isinstance(v, Scalar)] == [
        (True, "yes"),
        (12, "12"),
        ("2024-01-01", "2024-01-01"),
        ("7", "7"),
    ]


def test_yes_no_and_numbers_stay_text_where_text_is_expected() -> None:
    """An option id ``no`` and labels ``Yes`` and ``12`` load as the text the author wrote."""
    dialogue = load_dialogue(
        b"""\
id: plain
version: 1
title: 2024-01-01
session: other
languages: en
start: ask
nodes:
  ask:
    type: choice
    ask: Ready?
    options:
      - {id: no, label: Yes, next: bye}
      - {id: yes, label: 12, next: bye}
      - {id: maybe, label: 1.5, next: bye}
  bye:
    type: end
""",
        PATH,
    )
    ask = dialogue.nodes[NodeId("ask")]
    assert isinstance(ask, Choice)
    assert [(o.id, o.label.by_language) for o in ask.options] == [
        ("no", {"en": "Yes"}),
        ("yes", {"en": "12"}),
        ("maybe", {"en": "1.5"}),
    ]
    assert dialogue.title.by_language == {"en": "2024-01-01"}


# --- whole-file problems -------------------------------------------------------


def test_file_over_the_size_cap_is_refused_before_parsing() -> None:
    """A file one byte over the cap is refused even when its content would be a bomb."""
    data = b"[" * (MAX_BYTES + 1)
    assert fatal(data) == [TOO_LARGE.format(size=MAX_BYTES + 1)]


def test_file_at_the_size_cap_is_read() -> None:
    """A file of exactly the cap is still parsed."""
    data = b"a: " + b"x" * (MAX_BYTES - 4) + b"\n"
    tree, problems = parse_yaml(data, PATH)
    assert len(data) == MAX_BYTES
    assert problems == []
    assert isinstance(tree, Map)


def test_size_cap_can_be_lowered() -> None:
    """``max_bytes`` sets the cap and the message quotes both sizes."""
    _, problems = parse_yaml(b"a: 1\n", PATH, max_bytes=4)
    assert [str(p) for p in problems] == ["d.yaml:1:1: file is too large: 5 bytes, the limit is 4"]


def test_ten_megabyte_file_gives_one_error_quickly() -> None:
    """A 10 MB file is one 'too large' error, well within a second."""
    problems, seconds = timed(b"a" * 10_000_000)
    assert problems == [TOO_LARGE.format(size=10_000_000)]
    assert seconds < 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"id: demo\nti\x00tle: x\n", "d.yaml:2:3: binary file: expected YAML text", id="nul-in-text"),
        pytest.param(bytes(range(256)) * 64, "d.yaml:1:1: binary file: expected YAML text", id="garbage"),
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "d.yaml:3:1: binary file: expected YAML text", id="png-header"
        ),
    ],
)
def test_binary_file_is_one_error_at_the_first_nul(data: bytes, expected: str) -> None:
    """Bytes with a NUL are binary: one error at the NUL, in well under a second."""
    problems, seconds = timed(data)
    assert problems == [expected]
    assert seconds < 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"id: demo\ntitle: caf\xe9\n", "d.yaml:2:11", id="latin-1"),
        pytest.param("id: demo\ntitle: \u00e9\u00e9 ".encode() + b"\xff\n", "d.yaml:2:11", id="after-multibyte"),
    ],
)
def test_non_utf8_file_is_reported_at_the_bad_byte(data: bytes, expected: str) -> None:
    """The first byte that is not UTF-8 is located by line and character column."""
    assert checked(data) == [f"{expected}: file is not UTF-8 text"]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_file_is_told_to_be_saved_as_utf8(encoding: str) -> None:
    """A file saved as UTF-16 or UTF-32 (with a byte-order mark) gets one hint, not 'binary'."""
    data = "\ufeffid: demo\n".encode(encoding)
    assert checked(data) == ["d.yaml:1:1: file is UTF-16 or UTF-32 text: save it as UTF-8"]


def test_control_character_is_reported_where_it_is() -> None:
    """A control character YAML does not allow is one error at its line and column."""
    assert fatal("a: 1\nbé: x\x07\n".encode()) == ["d.yaml:2:6: control character U+0007 is not allowed in YAML text"]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"  \n\n\t\n", id="whitespace"),
        pytest.param(b"# only a comment\n", id="comment"),
        pytest.param(b"\xef\xbb\xbf", id="byte-order-mark"),
    ],
)
def test_empty_file_is_one_error(data: bytes) -> None:
    """An empty, blank or comment-only file is one 'empty' error at 1:1."""
    assert checked(data) == [EMPTY]


@pytest.mark.parametrize(
    ("data", "found"),
    [
        pytest.param(b"- id: demo\n- title: x\n", "a list", id="list"),
        pytest.param(b"hello\n", "text ('hello')", id="text"),
        pytest.param(b"42\n", "a number (42)", id="number"),
    ],
)
def test_top_level_that_is_not_a_mapping_is_one_error(data: bytes, found: str) -> None:
    """A top-level list or scalar is one error saying what was found."""
    assert checked(data) == [f"d.yaml:1:1: the dialogue must be a mapping of 'key: value' lines, not {found}"]


# --- hostile YAML --------------------------------------------------------------


def test_billion_laughs_is_one_error_in_well_under_a_second() -> None:
    """The alias bomb stops at its first anchor: one error, no expansion."""
    problems, seconds = timed(billion_laughs())
    assert problems == [ALIASES]
    assert seconds < 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"a: &x 1\nb: 2\n", ALIASES, id="anchor-on-scalar"),
        pytest.param(b"a: *x\n", ALIASES, id="alias-alone"),
        pytest.param(b"a: 1\nb: &x\n  c: 1\n", ALIASES.replace("1:4", "2:4"), id="anchor-on-mapping"),
        pytest.param(b"a: 1\nb: [&x 1, *x]\n", ALIASES.replace("1:4", "2:5"), id="anchor-in-list"),
    ],
)
def test_anchors_and_aliases_are_refused(data: bytes, expected: str) -> None:
    """Any anchor or alias stops the file at its position."""
    assert fatal(data) == [expected]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b"a: !!python/object:os.system x\n",
            "d.yaml:1:4: tag '!!python/object:os.system' is not allowed: plain YAML only",
            id="python-object",
        ),
        pytest.param(
            b"a: 1\nb: !!python/object/apply:os.system [echo hi]\n",
            "d.yaml:2:4: tag '!!python/object/apply:os.system' is not allowed: plain YAML only",
            id="python-apply-on-list",
        ),
        pytest.param(
            b"a: !!python/name:os.system\n",
            "d.yaml:1:4: tag '!!python/name:os.system' is not allowed: plain YAML only",
            id="python-name",
        ),
        pytest.param(b"a: !!binary aGk=\n", "d.yaml:1:4: tag '!!binary' is not allowed: plain YAML only", id="binary"),
        pytest.param(b"a: !!set {x}\n", "d.yaml:1:4: tag '!!set' is not allowed: plain YAML only", id="set"),
        pytest.param(b"a: !mine x\n", "d.yaml:1:4: tag '!mine' is not allowed: plain YAML only", id="local"),
        pytest.param(b"a: !!int abc\n", "d.yaml:1:4: cannot read 'abc' as !!int", id="bad-standard-tag"),
    ],
)
def test_non_standard_tags_are_refused(data: bytes, expected: str) -> None:
    """Only plain YAML types may be tagged; anything else stops the file at the tag."""
    assert fatal(data) == [expected]


def test_standard_tag_is_accepted() -> None:
    """``!!str`` on a number gives text."""
    tree, problems = parse_yaml(b"a: !!str 12\n", PATH)
    assert problems == []
    assert isinstance(tree, Map)
    assert tree.items["a"][1] == Scalar("12", "12", Mark(1, 4), plain=False, inline=True)


def test_duplicate_key_is_reported_at_the_second_and_the_first_is_kept() -> None:
    """A repeated key is an error at the repeat naming the first line; reading goes on."""
    tree, problems = parse_yaml(b"a: 1\nb: 2\na: 3\n", PATH)
    assert [str(p) for p in problems] == ["d.yaml:3:1: duplicate key 'a' (first at line 1): keys must be unique"]
    assert isinstance(tree, Map)
    assert tree.items["a"][1] == Scalar(1, "1", Mark(1, 4), plain=True, inline=True)


def test_every_duplicate_key_is_reported() -> None:
    """Duplicates at different depths are each reported."""
    _, problems = parse_yaml(b"a: 1\nc:\n  x: 1\n  x: 2\na: 3\n", PATH)
    assert [str(p) for p in problems] == [
        "d.yaml:4:3: duplicate key 'x' (first at line 3): keys must be unique",
        "d.yaml:5:1: duplicate key 'a' (first at line 1): keys must be unique",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"a: 1\n---\nb: 2\n", "d.yaml:2:1", id="implicit-first"),
        pytest.param(b"---\na: 1\n---\nb: 2\n", "d.yaml:3:1", id="explicit-first"),
    ],
)
def test_second_document_is_refused(data: bytes, expected: str) -> None:
    """A file holds one document; the second '---' is the error."""
    assert fatal(data) == [f"{expected}: only one document per file: remove the second '---'"]


def test_mapping_as_a_key_is_refused() -> None:
    """A complex key is one error at the key."""
    assert fatal(b"? [a]\n: 1\n") == ["d.yaml:1:3: a key must be plain text, not a list or a mapping"]


def test_nesting_up_to_the_limit_is_read() -> None:
    """Exactly MAX_DEPTH levels of nesting are fine."""
    tree, problems = parse_yaml(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, PATH)
    assert problems == []
    assert isinstance(tree, Seq)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_deep_nesting_is_one_error_without_recursion(depth: int) -> None:
    """One level too deep, or a hundred thousand, stops at the first level over the limit."""
    problems, seconds = timed(b"[" * depth + b"]" * depth)
    assert problems == [f"d.yaml:1:{MAX_DEPTH + 1}: nested more than {MAX_DEPTH} levels deep"]
    assert seconds < 1


def test_deep_block_mappings_are_stopped_where_the_limit_is_crossed() -> None:
    """Indented mappings are counted like brackets."""
    data = b"".join(b"  " * level + b"a:\n" for level in range(40))
    assert fatal(data) == [f"d.yaml:33:65: nested more than {MAX_DEPTH} levels deep"]


# --- YAML syntax errors --------------------------------------------------------

SYNTAX_ERRORS = [
    pytest.param(
        b"a: [1, 2\nb: 3\n",
        "2:2: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 4)",
        id="unclosed-bracket",
    ),
    pytest.param(
        b"a: 1\ntitle: b: c\n",
        "2:9: YAML syntax error: mapping values are not allowed in this context",
        id="second-colon",
    ),
    pytest.param(
        b"a:\n\tb: 1\n", "2:1: YAML syntax error: found character that cannot start any token", id="tab-indent"
    ),
    pytest.param(
        b"a: 1\n b: 2\n", "2:3: YAML syntax error: mapping values are not allowed in this context", id="bad-indent"
    ),
    pytest.param(
        b'a: 1\nb: "open\n',
        "3:1: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar at line 2, column 4)",
        id="unclosed-quote",
    ),
    pytest.param(
        b"a: 1\nb\n",
        "3:1: YAML syntax error: could not find expected ':' (while scanning a simple key at line 2, column 1)",
        id="missing-colon",
    ),
    pytest.param(
        b"a: @x\n", "1:4: YAML syntax error: found character that cannot start any token", id="reserved-character"
    ),
]


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="messages are libyaml's")
@pytest.mark.parametrize(("data", "expected"), SYNTAX_ERRORS)
def test_syntax_error_is_one_error_at_its_position(data: bytes, expected: str) -> None:
    """A YAML syntax error is reported once, where the parser stopped, with where the construct began."""
    assert fatal(data) == [f"{PATH}:{expected}"]


@pytest.mark.parametrize(("data", "expected"), SYNTAX_ERRORS)
def test_pure_python_parser_reports_the_same_positions(
    data: bytes, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without libyaml the wording differs but the position is the same."""
    monkeypatch.setattr(yamltree, "_Loader", yaml.SafeLoader)
    (problem,) = fatal(data)
    position = expected.split(": ", 1)[0]
    assert problem.startswith(f"{PATH}:{position}: YAML syntax error: ")
