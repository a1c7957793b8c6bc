"""A small dialogue that uses every node kind, a variable, a condition and the peers flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue.loader import load_dialogue
from bot.dialogue.model import Dialogue

SAMPLE_PATH = Path(__file__).parent / "data" / "sample.yaml"


@pytest.fixture
def sample() -> Dialogue:
    return load_dialogue(SAMPLE_PATH.read_bytes(), "sample.yaml")
