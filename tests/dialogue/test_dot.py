"""The dialogue drawn as DOT text: what a trainer reads on each node."""

from __future__ import annotations

from bot.dialogue.dot import to_dot
from bot.dialogue.model import Dialogue, DialogueId, End, NodeId, Reflection, Text

SHARED = "[may be shared with the group]"


def two_reflections() -> Dialogue:
    """A reflection marked ``share: true``, then a private one, then an end."""
    case, private, done = NodeId("case"), NodeId("private"), NodeId("done")
    nodes = {
        case: Reflection(case, Text({"en": "Your case?"}), private, share=True),
        private: Reflection(private, Text({"en": "And you?"}), done),
        done: End(done),
    }
    return Dialogue(DialogueId("cop"), 1, Text({"en": "CoP"}), "weekly", ("en",), case, nodes)


def test_shared_reflection_is_marked_in_the_graph() -> None:
    """A 'share: true' reflection says under its question that it may be shared; a private one does not."""
    lines = to_dot(two_reflections(), "en").splitlines()
    case = next(line for line in lines if line.startswith('  "case" ['))
    private = next(line for line in lines if line.startswith('  "private" ['))
    assert case.endswith(f'label="case (start)\\nYour case?\\n{SHARED}"];')
    assert SHARED not in private


def node_line(text: str, node_id: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f'  "{node_id}" ['))


def test_an_annotation_adds_a_last_line_and_a_fill_colour() -> None:
    """An annotated node ends its label with the annotation and takes its colour; the others stay as they were."""
    plain = to_dot(two_reflections(), "en")
    text = to_dot(two_reflections(), "en", {"private": ("reached 12 · drop-off 25 %", "#fdbb84")})
    assert node_line(text, "private") == (
        '  "private" [shape=note, style=filled, fillcolor="#fdbb84", '
        'label="private\\nAnd you?\\nreached 12 · drop-off 25 %"];'
    )
    assert node_line(text, "case") == node_line(plain, "case")
    assert text.replace(node_line(text, "private"), node_line(plain, "private")) == plain


def test_annotation_text_is_quoted_like_trainer_text() -> None:
    """Quotes, backslashes, newlines and entities in an annotation or its colour stay inside their strings."""
    hostile = 'a "b" \\ c\n}; x [label="y"] &lt;'
    line = node_line(to_dot(two_reflections(), "en", {"done": (hostile, 'red", shape="none')}), "done")
    assert 'fillcolor="red\\", shape=\\"none"' in line
    assert line.endswith('label="done\\na \\"b\\" \\\\ c }; x [label=\\"y\\"] &amp;lt;"];')


def test_without_annotations_the_drawing_is_unchanged() -> None:
    """No annotations, an empty mapping, or only ids the dialogue lacks: the same text, byte for byte."""
    plain = to_dot(two_reflections(), "en")
    assert to_dot(two_reflections(), "en", None) == plain
    assert to_dot(two_reflections(), "en", {}) == plain
    assert to_dot(two_reflections(), "en", {"gone": ("reached 9", "#ffffff")}) == plain


def test_an_empty_annotation_keeps_the_kinds_colour() -> None:
    """An annotation with no text and no colour changes nothing about the node."""
    assert to_dot(two_reflections(), "en", {"case": ("", "")}) == to_dot(two_reflections(), "en")
