"""Property tests: random valid walks never raise; forged events never corrupt state."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dialogue import engine
from bot.dialogue.engine import AskChoice, Back, Choose, Event, Skip, Transition
from bot.dialogue.errors import EngineError
from bot.dialogue.files import load_folder
from bot.dialogue.loader import load_dialogue
from bot.dialogue.model import Dialogue, OptionId
from bot.dialogue.state import State

HERE = Path(__file__).parent
DIALOGUES = [
    load_dialogue((HERE / "data" / "sample.yaml").read_bytes()),
    *load_folder(HERE.parents[1] / "dialogues").values(),
]


def valid_events(transition: Transition) -> list[Event]:
    question = engine.question(transition.outputs)
    assert question is not None
    events: list[Event] = [Back()] if transition.state.path else []
    if isinstance(question, AskChoice):
        return events + [Choose(offer.id, question.node) for offer in question.options]
    return events + [engine.Answer("a" * question.min_length)] + ([Skip(question.node)] if question.skip_data else [])


@settings(max_examples=150, deadline=None)
@given(dialogue=st.sampled_from(DIALOGUES), picks=st.lists(st.integers(0, 10_000), max_size=80))
def test_random_valid_walks_never_raise(dialogue: Dialogue, picks: list[int]) -> None:
    """Any sequence of offered answers and backs keeps a consistent, JSON-safe state."""
    transition = engine.start(dialogue, dialogue.languages[-1])
    for pick in picks:
        if transition.state.done:
            break
        events = valid_events(transition)
        transition = engine.step(dialogue, transition.state, events[pick % len(events)])
        assert State.from_json(transition.state.to_json()) == transition.state
        assert transition.state.node in dialogue.nodes


forged = st.one_of(
    st.builds(Choose, st.text(max_size=70).map(OptionId)),
    st.builds(engine.Answer, st.text(max_size=50)),
    st.just(Skip()),
    st.just(Back()),
)


@settings(max_examples=200, deadline=None)
@given(dialogue=st.sampled_from(DIALOGUES), events=st.lists(forged, max_size=20))
def test_forged_events_raise_typed_errors_and_keep_state(dialogue: Dialogue, events: list[Event]) -> None:
    """Arbitrary events either apply or raise an EngineError that leaves the state as it was."""
    state = engine.start(dialogue, dialogue.languages[0]).state
    for event in events:
        before = state.to_json()
        try:
            state = engine.step(dialogue, state, event).state
        except EngineError:
            assert state.to_json() == before
