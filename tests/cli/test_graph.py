"""`goodwork dialogues graph`: DOT text for a dialogue, drawn by Graphviz into a PNG or SVG."""

from __future__ import annotations

import argparse
import io
import re
import shutil
import xml.etree.ElementTree as ET
from argparse import Namespace
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import graph
from bot.dialogue.dot import show, to_dot
from bot.dialogue.expr import parse
from bot.dialogue.loader import load_dialogue
from bot.dialogue.model import Choice, Dialogue, Message, NodeId, Text

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "dialogue" / "data" / "sample.yaml"
DIALOGUES = ROOT / "dialogues"
SVG = "{http://www.w3.org/2000/svg}"
NODE = re.compile(r'^  "([^"]+)" \[shape=', re.MULTILINE)
EDGE = re.compile(r'^  "([^"]+)" -> "([^"]+)"(?: \[label="((?:[^"\\]|\\.)*)"\])?;$', re.MULTILINE)
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def sample() -> Dialogue:
    return load_dialogue(SAMPLE.read_bytes(), str(SAMPLE))


def draw(name: str, out: Path, lang: str | None = None, dot: str = "dot") -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    args = Namespace(dialogue=name, out=out, lang=lang, dialogues=DIALOGUES)
    code = graph.run(args, stdout, stderr, dot=dot)
    return code, stdout.getvalue(), stderr.getvalue()


def svg_nodes(svg: bytes) -> list[str]:
    """The <title> of every node group in a Graphviz SVG."""
    root = ET.fromstring(svg)
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    return [g.findtext(f"{SVG}title") or "" for g in groups]


def test_sample_dot_has_every_node_and_labelled_edge() -> None:
    """The sample's DOT text has one node statement per node and each edge labelled with option, skip, rule or else."""
    text = to_dot(sample(), "en")
    assert NODE.findall(text) == ["hello", "pick", "why", "route", "own", "bye"]
    assert EDGE.findall(text) == [
        ("hello", "pick", ""),
        ("pick", "why", "Write it"),
        ("pick", "why", "Voice doubts"),
        ("pick", "pick", r"Once more\nif doubts >= 1 and not spoke_up"),
        ("why", "route", "answer or skip"),
        ("route", "own", "1. if chosen(pick.write)"),
        ("route", "bye", "2. if spoke_up"),
        ("route", "bye", "else"),
        ("own", "bye", "answer"),
    ]
    assert re.search(r'"hello" \[shape=box, [^\n]*penwidth=3[^\n]*label="hello \(start\)\\nHello A case"', text)
    assert re.search(r'"pick" \[shape=hexagon, [^\n]*label="pick\\nWhat does he do\?\\n\[peers: ', text)
    assert '"why" [shape=note, ' in text and '"route" [shape=diamond, ' in text
    assert '"bye" [shape=box, style="rounded,filled", peripheries=2, ' in text
    assert to_dot(sample(), "en") == text  # deterministic
    assert 'label="pick\\nWat doet hij?' in to_dot(sample(), "nl")


def test_long_texts_are_cut_short() -> None:
    """A node's text is cut to about 40 characters, ending in an ellipsis."""
    dialogue = sample()
    hello = dialogue.nodes[NodeId("hello")]
    assert isinstance(hello, Message)
    long = replace(hello, say=(Text({"nl": "woord " * 50, "en": "word " * 50}),))
    text = to_dot(replace(dialogue, nodes={**dialogue.nodes, hello.id: long}), "en")
    excerpt = re.search(r'label="hello \(start\)\\n([^"]*)"', text)
    assert excerpt is not None and len(excerpt.group(1)) <= 40 and excerpt.group(1).endswith("word…")


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("doubts >= 1 and not spoke_up", "doubts >= 1 and not spoke_up"),
        ("(a or b) and c", "(a or b) and c"),
        ("a or b and c", "a or b and c"),
        ("not (a and b)", "not (a and b)"),
        ("a and (b and c)", "a and (b and c)"),
        ("(a == b) == true", "(a == b) == true"),
        ("name == \"it's\" or name != 'x'", "name == \"it's\" or name != 'x'"),
        ("visited(pick)  and   chosen(pick.write)", "visited(pick) and chosen(pick.write)"),
        ("((n < -3))", "n < -3"),
    ],
)
def test_conditions_are_written_back_as_source(source: str, shown: str) -> None:
    """A condition is shown as source with only the parentheses it needs, and means the same when read again."""
    assert show(parse(source)) == shown
    assert show(parse(shown)) == shown


@needs_dot
def test_hostile_text_stays_valid_dot(tmp_path: Path) -> None:
    """Quotes, backslashes, newlines, braces and entities in trainer text are drawn literally and break nothing."""
    hostile = 'He said "hi" \\ back\\"; }\nnode [x]\r\n&lt; &amp; \\n \u202eend'
    dialogue = sample()
    pick = dialogue.nodes[NodeId("pick")]
    assert isinstance(pick, Choice)
    option = replace(pick.options[0], label=Text({"nl": hostile, "en": hostile}))
    pick = replace(pick, ask=Text({"nl": hostile, "en": hostile}), options=(option, *pick.options[1:]))
    dialogue = replace(dialogue, title=Text({"nl": hostile, "en": hostile}), nodes={**dialogue.nodes, pick.id: pick})
    svg = graph.render(to_dot(dialogue, "en"), "svg")
    assert svg_nodes(svg) == list(dialogue.nodes)
    texts = [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert 'He said "hi" \\ back\\"; } node [x] &lt; &amp; \\n end (sample v3, en)' in texts
    assert texts.count('He said "hi" \\ back\\"; } node [x] &lt;…') == 2  # the question and the option label, cut short


@needs_dot
def test_martin_as_svg_has_one_shape_per_node(tmp_path: Path) -> None:
    """Drawing martin to SVG writes a valid SVG with exactly one node group per dialogue node."""
    out = tmp_path / "martin.svg"
    code, stdout, stderr = draw("martin", out, lang="en")
    assert (code, stderr) == (0, "")
    martin = load_dialogue((DIALOGUES / "martin.yaml").read_bytes(), "martin.yaml")
    assert f"wrote {out} ({len(martin.nodes)} nodes, en)" in stdout
    assert sorted(svg_nodes(out.read_bytes())) == sorted(martin.nodes)


@needs_dot
def test_file_path_to_png(tmp_path: Path) -> None:
    """A dialogue given as a file, drawn to .PNG, writes a file that starts with the PNG signature."""
    out = tmp_path / "sample.PNG"
    code, _, stderr = draw(str(SAMPLE), out)
    assert (code, stderr) == (0, "")
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    """An --out that is neither .png nor .svg is refused with its suffix named, and nothing is written."""
    code, _, stderr = draw("martin", tmp_path / "martin.jpg")
    assert code == 2 and "'.jpg'" in stderr and ".png or .svg" in stderr
    code, _, stderr = draw("martin", tmp_path / "martin")
    assert code == 2 and "no suffix" in stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_dialogue_is_explained(tmp_path: Path) -> None:
    """An unknown id is named, with a suggestion, and nothing is written."""
    code, _, stderr = draw("martn", tmp_path / "x.svg")
    assert code == 1 and "no dialogue 'martn'" in stderr and "'martin'" in stderr
    assert "Traceback" not in stderr and list(tmp_path.iterdir()) == []


def test_missing_language_is_explained(tmp_path: Path) -> None:
    """Asking for a language the dialogue lacks names the languages it has."""
    only_nl = tmp_path / "nl.yaml"
    only_nl.write_text(re.sub(r", en: [^}]*", "", SAMPLE.read_text()).replace("languages: [nl, en]", "languages: [nl]"))
    code, _, stderr = draw(str(only_nl), tmp_path / "x.svg", lang="en")
    assert code == 1 and "has no 'en' text; it has nl" in stderr


def test_missing_dot_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without dot on PATH the command exits 2 and says how to install Graphviz."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, _, stderr = draw("martin", tmp_path / "martin.png")
    assert code == 2
    assert "'dot' was not found" in stderr
    assert "apt-get install graphviz" in stderr and "brew install graphviz" in stderr
    assert not (tmp_path / "martin.png").exists()


def test_failing_dot_is_reported(tmp_path: Path) -> None:
    """A dot that fails gives a one-line error, not a traceback, and writes nothing."""
    code, _, stderr = draw("martin", tmp_path / "martin.png", dot="false")
    assert code == 1 and "failed: exit status 1" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "martin.png").exists()


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    """An --out in a folder that does not exist is explained."""
    code, _, stderr = draw("martin", tmp_path / "nowhere" / "martin.svg")
    assert code == 2 and "the folder" in stderr and "does not exist" in stderr


def test_parser_registers_graph() -> None:
    """add_parser adds a `graph` action whose defaults run this module."""
    parser = argparse.ArgumentParser()
    graph.add_parser(parser.add_subparsers(dest="action"))
    args = parser.parse_args(["graph", "martin", "--out", "m.svg", "--lang", "nl"])
    assert (args.dialogue, args.out, args.lang, args.run) == ("martin", Path("m.svg"), "nl", graph.run)


@needs_dot
def test_unwritable_out_is_reported(tmp_path: Path) -> None:
    """An --out that cannot be written (here a folder) gives a one-line error, not a traceback."""
    (tmp_path / "taken.svg").mkdir()
    code, _, stderr = draw("martin", tmp_path / "taken.svg")
    assert code == 1 and "cannot write" in stderr and "Traceback" not in stderr
