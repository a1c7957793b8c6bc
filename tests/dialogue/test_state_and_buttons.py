"""State round-trips through JSON; button data is compact, bounded and checked."""

from __future__ import annotations

import pytest

from bot.dialogue import buttons, engine
from bot.dialogue.buttons import ChoiceButton, ConsentButton, SkipButton, decode, encode
from bot.dialogue.errors import ButtonError, StateError
from bot.dialogue.model import Dialogue, DialogueId, NodeId, OptionId
from bot.dialogue.state import State


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


@pytest.mark.parametrize(
    "version",
    [
        pytest.param("01", id="leading-zero"),
        pytest.param("00", id="double-zero"),
        pytest.param("1000000000", id="too-large"),
    ],
)
def test_only_canonical_versions_decode(version: str) -> None:
    """A button whose version is not written the one way this layer writes it is refused."""
    with pytest.raises(ButtonError):
        decode(f"c:martin:{version}:pick:write")
    with pytest.raises(ButtonError):
        decode(f"s:martin:{version}:pick")


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        pytest.param("007", 10**9, id="leading-zeros"),
        pytest.param("+1", 10**9, id="plus-sign"),
        pytest.param("-1", 10**9, id="minus-sign"),
        pytest.param(" 1", 10**9, id="leading-space"),
        pytest.param("1_0", 10**9, id="underscore"),
        pytest.param("١", 10**9, id="arabic-digit"),
        pytest.param("１", 10**9, id="fullwidth-digit"),
        pytest.param("²", 10**9, id="superscript"),
        pytest.param("1\n", 10**9, id="trailing-newline"),
        pytest.param("", 10**9, id="empty"),
        pytest.param("9" * 5000, 10**9, id="thousands-of-digits"),
        pytest.param("10", 10, id="at-the-limit"),
    ],
)
def test_canonical_number_refuses_other_forms(text: str, limit: int) -> None:
    """canonical_number refuses anything but 0 or digits without a leading zero, below the limit."""
    with pytest.raises(ButtonError):
        buttons.canonical_number(text, limit)


def test_canonical_number_reads_canonical_forms() -> None:
    """canonical_number reads 0, 9 and the largest number under its limit."""
    assert [buttons.canonical_number(text, 10) for text in ("0", "9")] == [0, 9]
    assert buttons.canonical_number("999999999") == 999_999_999


def test_consent_button_round_trips() -> None:
    """The "share" button's data names dialogue, version and node, and decodes back to them."""
    data = buttons.consent_data(DialogueId("weekly-app-group"), 12, NodeId("reflect_één"))
    assert data == "h:weekly-app-group:12:reflect_één"
    assert buttons.decode_consent(data) == ConsentButton(DialogueId("weekly-app-group"), 12, NodeId("reflect_één"))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("", id="empty"),
        pytest.param("h:" + "x" * 70, id="over-64-bytes"),
        pytest.param("h:martin:1", id="missing-node"),
        pytest.param("h:martin:1:why:extra", id="extra-part"),
        pytest.param("h:martin:01:why", id="version-leading-zero"),
        pytest.param("h:martin:١:why", id="version-arabic-digit"),
        pytest.param("h:martin:one:why", id="version-not-number"),
        pytest.param("h:mar tin:1:why", id="space-in-id"),
        pytest.param("h:martin:1:", id="empty-node"),
        pytest.param("s:martin:1:why", id="skip-button"),
        pytest.param("c:martin:1:pick:write", id="choice-button"),
    ],
)
def test_forged_consent_data_is_refused(data: str) -> None:
    """Only well-formed "share" data decodes as consent; anything else raises ButtonError."""
    with pytest.raises(ButtonError):
        buttons.decode_consent(data)


def test_consent_data_is_not_an_answer() -> None:
    """A "share" press never decodes as an option or a skip, so it cannot move a dialogue on."""
    with pytest.raises(ButtonError):
        decode(buttons.consent_data(DialogueId("martin"), 1, NodeId("why")))
