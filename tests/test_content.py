"""The dialogues we ship validate cleanly and every node is reached by some walk."""

from __future__ import annotations

from pathlib import Path

from bot.dialogue.files import check_paths

DIALOGUES = Path(__file__).parents[1] / "dialogues"


def test_shipped_dialogues_are_clean_and_fully_walked() -> None:
    """`goodwork validate dialogues/ --walk 200` finds no error and no warning."""
    report = check_paths([DIALOGUES], walks=200)
    assert [str(p) for p in report.problems] == []
    assert "martin" in report.dialogues


def test_martin_uses_every_feature() -> None:
    """The Martin dialogue uses every node kind, a condition, a variable and the peers flag in nl and en."""
    martin = check_paths([DIALOGUES]).dialogues["martin"]
    kinds = {type(node).__name__ for node in martin.nodes.values()}
    assert kinds == {"Message", "Choice", "Reflection", "Branch", "End"}
    assert martin.languages == ("nl", "en") and martin.variables
    choices = [node for node in martin.nodes.values() if type(node).__name__ == "Choice"]
    assert any(node.peers for node in choices)  # type: ignore[union-attr]
    options = [option for node in choices for option in node.options]  # type: ignore[union-attr]
    assert any(option.sets or option.adds for option in options)
