"""The pure engine: every event, back, conditions, and forged events."""

from __future__ import annotations

import dataclasses

import pytest

from bot.dialogue import engine
from bot.dialogue.engine import (
    Answer,
    Answered,
    AskChoice,
    AskText,
    Back,
    Choose,
    Chosen,
    Finished,
    Say,
    Skip,
    Start,
    step,
)
from bot.dialogue.model import Dialogue, DialogueId, End, Message, NodeId, OptionId, Reflection, Text


def ids(transition: engine.Transition) -> list[str]:
    return [type(output).__name__ for output in transition.outputs]


def ask_choice(transition: engine.Transition) -> AskChoice:
    last = transition.outputs[-1]
    assert isinstance(last, AskChoice)
    return last


def test_start_says_bubbles_then_asks(sample: Dialogue) -> None:
    """Start shows the message bubbles (image on the first), then the choice with its options."""
    t = engine.start(sample, "en")
    assert t.outputs[:3] == (Say("Hello", "https://example.org/case.png"), Say("A case"), Say("Martin has doubts."))
    question = ask_choice(t)
    assert question.text == "What does he do?" and question.peers
    assert [o.label for o in question.options] == ["Write it", "Voice doubts"]
    assert t.state.node == "pick" and t.state.visits == {"hello": 1, "pick": 1}


def test_start_in_dutch_and_unknown_language_falls_back(sample: Dialogue) -> None:
    """Texts come in the person's language; an unknown language falls back to the first declared."""
    assert engine.start(sample, "nl").outputs[0] == Say("Hallo", "https://example.org/case.png")
    assert engine.start(sample, "de").state.language == "nl"


def test_choose_records_and_moves_on(sample: Dialogue) -> None:
    """Choosing reports the choice with the peers flag, applies 'add' and asks the next question."""
    t = step(sample, engine.start(sample, "en").state, Choose(OptionId("write")))
    assert t.outputs[0] == Chosen(NodeId("pick"), OptionId("write"), "Write it", True)
    assert isinstance(t.outputs[-1], AskText) and t.outputs[-1].skip_data == "s:sample:3:why"
    assert t.state.variables["doubts"] == 1 and t.state.node == "why"


def test_condition_reveals_option(sample: Dialogue) -> None:
    """An option with 'if' appears only once its condition holds."""
    t = step(sample, engine.start(sample, "en").state, Choose(OptionId("write")))
    t = step(sample, t.state, Back())
    assert [o.id for o in ask_choice(t).options] == ["write", "voice"]
    state = dataclasses.replace(t.state, variables={"doubts": 1, "spoke_up": False})
    assert [o.id for o in engine.current(sample, state)[-1].options] == ["write", "voice", "again"]  # type: ignore[union-attr]


def test_option_not_offered_raises_and_keeps_state(sample: Dialogue) -> None:
    """A hidden or unknown option raises NotOfferedError; the state is untouched."""
    state = engine.start(sample, "en").state
    before = state.to_json()
    for forged in ("again", "nonsense", ""):
        with pytest.raises(engine.NotOfferedError):
            step(sample, state, Choose(OptionId(forged)))
    assert state.to_json() == before


def test_answer_where_choice_expected(sample: Dialogue) -> None:
    """Text at a choice, or a skip there, is an UnexpectedEventError."""
    state = engine.start(sample, "en").state
    with pytest.raises(engine.UnexpectedEventError, match="written answer"):
        step(sample, state, Answer("hello"))
    with pytest.raises(engine.UnexpectedEventError):
        step(sample, state, Skip())


def test_choice_where_answer_expected(sample: Dialogue) -> None:
    """A choice at a reflection is an UnexpectedEventError."""
    state = step(sample, engine.start(sample, "en").state, Choose(OptionId("voice"))).state
    with pytest.raises(engine.UnexpectedEventError, match="choice"):
        step(sample, state, Choose(OptionId("write")))


def test_answer_and_branch_on_chosen(sample: Dialogue) -> None:
    """After 'write', the branch leads to the second reflection; the answer is reported, stripped."""
    state = step(sample, engine.start(sample, "en").state, Choose(OptionId("write"))).state
    t = step(sample, state, Answer("  I would ask  "))
    assert t.outputs[0] == Answered(NodeId("why"), "I would ask")
    assert t.state.node == "own" and t.state.visits["route"] == 1


def test_branch_on_variable_goes_to_end(sample: Dialogue) -> None:
    """After 'voice', the branch rule on spoke_up leads to the end."""
    state = step(sample, engine.start(sample, "en").state, Choose(OptionId("voice"))).state
    t = step(sample, state, Skip())
    assert t.outputs == (Answered(NodeId("why"), None), Say("Thank you"), Finished(NodeId("bye")))
    assert t.state.done


def test_min_length_and_max_length(sample: Dialogue) -> None:
    """Answers shorter than min_length or over 4,096 characters are refused with their bounds."""
    state = step(sample, engine.start(sample, "en").state, Choose(OptionId("write"))).state
    state = step(sample, state, Skip()).state
    with pytest.raises(engine.AnswerLengthError) as short:
        step(sample, state, Answer("   abc  "))
    assert short.value.minimum == 5
    with pytest.raises(engine.AnswerLengthError):
        step(sample, state, Answer("x" * 4097))
    assert step(sample, state, Answer("x" * 4096)).state.done


def test_skip_only_where_allowed(sample: Dialogue) -> None:
    """Skip works at a skippable reflection and is refused at one without skip."""
    state = step(sample, engine.start(sample, "en").state, Choose(OptionId("write"))).state
    state = step(sample, state, Skip()).state
    with pytest.raises(engine.UnexpectedEventError, match="cannot be skipped"):
        step(sample, state, Skip())


def test_back_undoes_the_last_answer(sample: Dialogue) -> None:
    """Back returns to the previous question and undoes what its answer changed."""
    t = step(sample, engine.start(sample, "en").state, Choose(OptionId("write")))
    back = step(sample, t.state, Back())
    assert back.state.node == "pick" and back.state.variables["doubts"] == 0
    assert back.state.path == () and back.state.visits == {"hello": 1, "pick": 1}
    assert ids(back) == ["Say", "AskChoice"]


def test_back_after_the_end(sample: Dialogue) -> None:
    """Back after the end reopens the last question."""
    state = step(sample, engine.start(sample, "en").state, Choose(OptionId("voice"))).state
    state = step(sample, state, Skip()).state
    back = step(sample, state, Back())
    assert back.state.node == "why" and not back.state.done


def test_back_at_first_question_raises(sample: Dialogue) -> None:
    """There is nothing before the first question."""
    with pytest.raises(engine.UnexpectedEventError, match="no earlier question"):
        step(sample, engine.start(sample, "en").state, Back())


def test_events_after_the_end_raise(sample: Dialogue) -> None:
    """A finished dialogue takes no more answers."""
    state = step(sample, engine.start(sample, "en").state, Choose(OptionId("voice"))).state
    state = step(sample, state, Skip()).state
    with pytest.raises(engine.UnexpectedEventError, match="ended"):
        step(sample, state, Answer("more"))
    assert engine.current(sample, state) == ()


def test_loop_back_to_same_choice_counts_visits(sample: Dialogue) -> None:
    """Choosing an option that leads back to the same choice counts the visit and keeps the path."""
    state = dataclasses.replace(engine.start(sample, "en").state, variables={"doubts": 1, "spoke_up": False})
    t = step(sample, state, Choose(OptionId("again")))
    assert t.state.node == "pick" and t.state.visits["pick"] == 2 and len(t.state.path) == 1


def test_stale_state_and_buttons(sample: Dialogue) -> None:
    """A state for another version, or a button for another node, raises StaleError."""
    state = engine.start(sample, "en").state
    with pytest.raises(engine.StaleError):
        step(sample, dataclasses.replace(state, version=2), Choose(OptionId("write")))
    with pytest.raises(engine.StaleError):
        step(sample, dataclasses.replace(state, node=NodeId("gone")), Choose(OptionId("write")))
    with pytest.raises(engine.StaleError):
        step(sample, state, Choose(OptionId("write"), node=NodeId("why")))


def test_no_state_needs_start(sample: Dialogue) -> None:
    """Any event but Start before the dialogue began is refused."""
    with pytest.raises(engine.UnexpectedEventError):
        step(sample, None, Choose(OptionId("write")))
    assert step(sample, None, Start("en")).state.node == "pick"


def test_reflection_text_is_not_kept_in_state(sample: Dialogue) -> None:
    """The state records that a reflection was answered, never its text."""
    state = step(sample, engine.start(sample, "en").state, Choose(OptionId("write"))).state
    state = step(sample, state, Answer("my private thoughts")).state
    assert "private" not in state.to_json()


def test_silent_loop_is_stopped() -> None:
    """A loop of messages (which the validator refuses) raises LoopError instead of hanging."""
    a, b = NodeId("a"), NodeId("b")
    text = Text({"en": "hi"})
    nodes = {a: Message(a, (text,), b), b: Message(b, (text,), a), NodeId("z"): End(NodeId("z"))}
    dialogue = Dialogue(DialogueId("loop"), 1, text, "other", ("en",), a, nodes)
    with pytest.raises(engine.LoopError):
        engine.start(dialogue, "en")


def reflection_at_least(minimum: int) -> Dialogue:
    """A dialogue of one reflection that needs ``minimum`` characters, then an end."""
    ask, done = NodeId("ask"), NodeId("done")
    nodes = {ask: Reflection(ask, Text({"en": "Why?"}), done, min_length=minimum), done: End(done)}
    return Dialogue(DialogueId("why"), 1, Text({"en": "Why"}), "other", ("en",), ask, nodes)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("\u200b" * 20, id="zero-width-spaces"),
        pytest.param("\u200c\u200d\u2060\ufeff" * 5, id="joiners-and-bom"),
        pytest.param("\u200f\u200e\u202b\u202c" * 5, id="rtl-marks"),
        pytest.param("a" + "\u0301" * 30, id="combining-marks"),
        pytest.param("ok" + "\ufe0f" * 20, id="variation-selectors"),
        pytest.param("a \u00a0\u3000\u2028\u2029\t" * 5, id="unusual-spaces"),
    ],
)
def test_invisible_characters_do_not_reach_min_length(text: str) -> None:
    """An answer padded with invisible characters is refused as too short, and nothing is recorded."""
    dialogue = reflection_at_least(15)
    state = engine.start(dialogue, "en").state
    with pytest.raises(engine.AnswerLengthError) as short:
        step(dialogue, state, Answer(text))
    assert short.value.minimum == 15 and not short.value.too_long


def test_padding_does_not_hide_a_short_answer() -> None:
    """Two visible letters padded with invisible characters are too short; written out they pass, as written."""
    dialogue = reflection_at_least(3)
    state = engine.start(dialogue, "en").state
    with pytest.raises(engine.AnswerLengthError):
        step(dialogue, state, Answer("o\u200bk\u200b\u200b"))
    t = step(dialogue, state, Answer(" o\u200bk!\u200b "))
    assert t.outputs[0] == Answered(NodeId("ask"), "o\u200bk!\u200b")


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        pytest.param("\u200b" * 20, 0, id="zero-width-spaces"),
        pytest.param("👍" * 15, 15, id="emoji"),
        pytest.param("👍\ufe0f👨\u200d👩\u200d👧", 4, id="emoji-with-selector-and-joiners"),
        pytest.param("\u05e9\u05dc\u05d5\u05dd\u200f \u202bab\u202c", 6, id="hebrew-with-rtl-marks"),
        pytest.param("e\u0301e\u0308\u20dd", 2, id="combining-marks"),
        pytest.param("a \u00a0\u3000\u2028\u2029\t\r\n\x00b", 2, id="spaces-and-controls"),
    ],
)
def test_visible_length_counts_what_a_reader_sees(text: str, seen: int) -> None:
    """visible_length leaves out spaces, invisible format and control characters and combining marks."""
    assert engine.visible_length(text) == seen


def test_maximum_counts_every_character() -> None:
    """The 4,096 maximum is on the answer as written (stripped), invisible characters included."""
    dialogue = reflection_at_least(1)
    with pytest.raises(engine.AnswerLengthError) as long:
        step(dialogue, engine.start(dialogue, "en").state, Answer("a" + "\u200b" * 4096))
    assert long.value.too_long


def shared_case(skip: bool = True) -> Dialogue:
    """A dialogue of one reflection marked ``share: true``, then a private one, then an end."""
    case, private, done = NodeId("case"), NodeId("private"), NodeId("done")
    nodes = {
        case: Reflection(case, Text({"en": "Your case?"}), private, skip=skip, share=True),
        private: Reflection(private, Text({"en": "And you?"}), done),
        done: End(done),
    }
    return Dialogue(DialogueId("cop"), 1, Text({"en": "CoP"}), "weekly", ("en",), case, nodes)


def test_answer_to_a_shared_reflection_asks_for_consent() -> None:
    """An answer at a 'share: true' reflection is recorded with share set, so the bot can ask to share it."""
    dialogue = shared_case()
    t = step(dialogue, engine.start(dialogue, "en").state, Answer(" My team and a residents' group "))
    assert t.outputs[0] == Answered(NodeId("case"), "My team and a residents' group", share=True)


def test_skipping_a_shared_reflection_never_asks() -> None:
    """Skipping a 'share: true' reflection records no text and nothing to share."""
    dialogue = shared_case()
    t = step(dialogue, engine.start(dialogue, "en").state, Skip())
    assert t.outputs[0] == Answered(NodeId("case"), None, share=False)


def test_other_reflections_are_not_offered_for_sharing() -> None:
    """A reflection without 'share' is recorded without share: nothing is asked."""
    dialogue = shared_case()
    state = step(dialogue, engine.start(dialogue, "en").state, Skip()).state
    t = step(dialogue, state, Answer("Only for me"))
    assert t.outputs[0] == Answered(NodeId("private"), "Only for me", share=False)
