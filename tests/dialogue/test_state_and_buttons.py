"""State round-trips through JSON; button data is compact, bounded and checked."""

from __future__ import annotations

import pytest

from bot.dialogue import buttons, engine
from bot.dialogue.buttons import ButtonError, ChoiceButton, SkipButton, decode, encode
from bot.dialogue.model import Dialogue, DialogueId, NodeId, OptionId
from bot.dialogue.state import State, StateError


def test_state_round_trips(sample: Dialogue) -> None:
    """A state read back from its JSON equals the original and steps the same way."""
    state = engine.step(sample, engine.start(sample, "nl").state, engine.Choose(OptionId("write"))).state
    again = State.from_json(state.to_json())
    assert again == state
    assert engine.step(sample, again, engine.Skip()) == engine.step(sample, state, engine.Skip())


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("[]", id="list"),
        pytest.param('{"dialogue": "x"}', id="missing-keys"),
        pytest.param(
            '{"dialogue":"s","version":"1","language":"en","node":"n","variables":{},"visits":{},"path":[],"done":false}',
            id="version-as-text",
        ),
        pytest.param(
            '{"dialogue":"s","version":1,"language":"en","node":"n","variables":{"a":[1]},"visits":{},"path":[],"done":false}',
            id="variable-list",
        ),
        pytest.param(
            '{"dialogue":"s","version":1,"language":"en","node":"n","variables":{},"visits":{},"path":[["a"]],"done":false}',
            id="short-step",
        ),
        pytest.param(
            '{"dialogue":"s","version":true,"language":"en","node":"n","variables":{},"visits":{},"path":[],"done":false}',
            id="bool-version",
        ),
    ],
)
def test_unreadable_state_raises_state_error(text: str) -> None:
    """Corrupt stored state raises StateError, never a bare KeyError or TypeError."""
    with pytest.raises(StateError):
        State.from_json(text)


def test_buttons_round_trip() -> None:
    """Choice and skip buttons decode to what was encoded, unicode ids included."""
    choice = ChoiceButton(DialogueId("martin"), 12, NodeId("keuze_één"), OptionId("schrijven"))
    skip = SkipButton(DialogueId("martin"), 1, NodeId("why"))
    assert encode(choice) == "c:martin:12:keuze_één:schrijven"
    assert decode(encode(choice)) == choice
    assert decode(encode(skip)) == skip


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("", id="empty"),
        pytest.param("c:" + "x" * 70, id="over-64-bytes"),
        pytest.param("c:martin:1:pick", id="choice-missing-option"),
        pytest.param("s:martin:1:pick:extra", id="skip-with-option"),
        pytest.param("x:martin:1:pick:write", id="unknown-kind"),
        pytest.param("c:martin:one:pick:write", id="version-not-number"),
        pytest.param("c:martin:١:pick:write", id="version-arabic-digit"),
        pytest.param("c:mar tin:1:pick:write", id="space-in-id"),
        pytest.param("c:martin:1:pick:", id="empty-option"),
        pytest.param("lang:en", id="foreign-button"),
    ],
)
def test_forged_button_data_is_refused(data: str) -> None:
    """Anything this layer did not make raises ButtonError."""
    with pytest.raises(ButtonError):
        decode(data)


def test_size_counts_utf8_bytes() -> None:
    """The 64-byte budget counts UTF-8 bytes, not characters."""
    assert buttons.size("één") == 5
