"""The README's example dialogue is a valid dialogue, so the documentation cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from bot.dialogue import engine
from bot.dialogue.loader import check_dialogue
from bot.dialogue.model import OptionId

README = Path(__file__).parents[1] / "README.md"


def test_readme_example_validates_and_plays() -> None:
    """The ```yaml example in the README loads cleanly and reaches an end."""
    block = re.search(r"```yaml\n(.*?)```", README.read_text(), re.S)
    assert block is not None
    checked = check_dialogue(block.group(1).encode(), "README.md")
    assert [str(p) for p in checked.problems] == []
    assert checked.dialogue is not None
    state = engine.start(checked.dialogue, "en").state
    state = engine.step(checked.dialogue, state, engine.Choose(OptionId("object"))).state
    assert engine.step(checked.dialogue, state, engine.Skip()).state.node == "courage"
