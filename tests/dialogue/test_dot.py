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
