"""The pure dialogue engine: ``step(dialogue, state, event) -> Transition``.

No I/O and no clock: the same dialogue, state and event always give the same
transition. Outputs are plain data that a renderer turns into chat bubbles,
buttons or terminal lines. An event that does not fit the current node raises
an ``EngineError`` subclass (all of this package's errors are in
``bot.dialogue.errors``); since states are immutable, the caller's state is
untouched.

    EngineError
     +-- StaleError           state or button made for another dialogue, version or node
     +-- NotOfferedError      an option that is not offered here
     +-- UnexpectedEventError an event the current node does not take
     +-- AnswerLengthError    a reflection shorter than min_length or over 4,096 characters
     +-- LoopError            a run of messages and branches that never asks anything
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar, cast

from bot.dialogue import buttons
from bot.dialogue.errors import (
    AnswerLengthError,
    EngineError,
    LoopError,
    NotOfferedError,
    StaleError,
    UnexpectedEventError,
)
from bot.dialogue.events import (
    Answer,
    Answered,
    AskChoice,
    AskText,
    Back,
    Choose,
    Chosen,
    Event,
    Finished,
    Offer,
    Output,
    Say,
    Skip,
    Start,
)
from bot.dialogue.expr import Env, Value, evaluate
from bot.dialogue.model import (
    Branch,
    Choice,
    Dialogue,
    End,
    Message,
    Node,
    NodeId,
    Option,
    OptionId,
    Question,
    Reflection,
    Text,
)
from bot.dialogue.state import State, Step

MAX_ANSWER = 4096
Q = TypeVar("Q", Choice, Reflection)
_INVISIBLE = frozenset(("Cf", "Cc", "Cs", "Mn", "Me", "Zs", "Zl", "Zp"))


@dataclass(frozen=True, slots=True)
class Transition:
    state: State
    outputs: tuple[Output, ...]


# --- stepping --------------------------------------------------------------


def start(dialogue: Dialogue, language: str) -> Transition:
    """Begin ``dialogue`` in ``language`` (the first declared one if it is not carried)."""
    if language not in dialogue.languages:
        language = dialogue.languages[0]
    state = State(dialogue.id, dialogue.version, language, dialogue.start, dialogue.variables, {})
    return _run(dialogue, state, dialogue.start, [])


def step(dialogue: Dialogue, state: State | None, event: Event) -> Transition:
    """Apply ``event`` to ``state`` and return the new state with what to show."""
    if isinstance(event, Start):
        return start(dialogue, event.language)
    if state is None:
        raise UnexpectedEventError("the dialogue has not started")
    _check_current(dialogue, state)
    if isinstance(event, Back):
        return back(dialogue, state)
    if state.done:
        raise UnexpectedEventError("the dialogue has ended")
    node = dialogue.nodes[state.node]
    if isinstance(event, Choose):
        return _choose(dialogue, state, _expect(node, Choice, event.node), event.option, [])
    return _answer(dialogue, state, _expect(node, Reflection, event.node if isinstance(event, Skip) else None), event)


def current(dialogue: Dialogue, state: State) -> tuple[Output, ...]:
    """What to show to continue where ``state`` stands: its question again, or nothing after the end."""
    _check_current(dialogue, state)
    node = dialogue.nodes[state.node]
    if state.done or not isinstance(node, Choice | Reflection):
        return ()
    return _ask(dialogue, state, node)


def where(dialogue: Dialogue, state: State) -> tuple[Output, ...]:
    """What shows where ``state`` stands: the open question, or, after the end, the ending again."""
    _check_current(dialogue, state)
    node = dialogue.nodes[state.node]
    if state.done and isinstance(node, End):
        return tuple(_end(node, state))
    return current(dialogue, state)


def question(outputs: tuple[Output, ...]) -> AskChoice | AskText | None:
    """The question that ``outputs`` end on, if any."""
    return next((o for o in reversed(outputs) if isinstance(o, AskChoice | AskText)), None)


def back(dialogue: Dialogue, state: State) -> Transition:
    """Return to the previous question, undoing what its answer changed."""
    if not state.path:
        raise UnexpectedEventError("there is no earlier question to go back to")
    replayed = start(dialogue, state.language).state
    for done in state.path[:-1]:
        replayed = _replay(dialogue, replayed, done)
    question = dialogue.nodes[replayed.node]
    assert isinstance(question, Choice | Reflection)
    return Transition(replayed, _ask(dialogue, replayed, question))


def _replay(dialogue: Dialogue, state: State, done: Step) -> State:
    """Apply one saved answer again, without building anything to show."""
    node = dialogue.nodes[state.node]
    if done.option is not None and isinstance(node, Choice):
        return _choose(dialogue, state, node, done.option, None).state
    if done.option is None and isinstance(node, Reflection):
        return _run(dialogue, _record(state, node.id, None), node.next, None).state
    raise StaleError(f"saved path does not fit dialogue {dialogue.id!r} at node {state.node!r}")


def _check_current(dialogue: Dialogue, state: State) -> None:
    if (state.dialogue, state.version) != (dialogue.id, dialogue.version) or state.node not in dialogue.nodes:
        raise StaleError(
            f"state for {state.dialogue!r} v{state.version} at {state.node!r} "
            f"does not fit {dialogue.id!r} v{dialogue.version}"
        )


def _expect(node: Node, kind: type[Q], at: NodeId | None) -> Q:
    """``node`` if it is a ``kind`` (and, for a button, the node the button was made for)."""
    if at is not None and at != node.id:
        raise StaleError(f"that button belongs to node {at!r}, the dialogue is elsewhere")
    if not isinstance(node, kind):
        wanted = "a choice" if kind is Choice else "a written answer"
        raise UnexpectedEventError(f"node {node.id!r} does not take {wanted}")
    return node


def _choose(
    dialogue: Dialogue, state: State, node: Choice, option_id: OptionId, outputs: list[Output] | None
) -> Transition:
    option = next((o for o in _offered(node, state) if o.id == option_id), None)
    if option is None:
        raise NotOfferedError(f"option {option_id!r} is not offered at node {node.id!r}")
    variables = state.variables
    if option.sets or option.adds:
        variables = {**variables, **option.sets}
        for name, amount in option.adds.items():
            variables[name] = int(variables[name]) + int(amount)
    if outputs is not None:
        outputs.append(Chosen(node.id, option.id, option.label.get(state.language), node.peers))
    return _run(dialogue, _record(state, node.id, option.id, variables), option.next, outputs)


def _answer(dialogue: Dialogue, state: State, node: Reflection, event: Event) -> Transition:
    if isinstance(event, Skip):
        if not node.skip:
            raise UnexpectedEventError(f"node {node.id!r} cannot be skipped")
        return _run(dialogue, _record(state, node.id, None), node.next, [Answered(node.id, None)])
    if not isinstance(event, Answer):
        raise UnexpectedEventError(f"node {node.id!r} waits for a written answer")
    text = event.text.strip()
    if len(text) > MAX_ANSWER:
        raise AnswerLengthError(
            f"an answer can have at most {MAX_ANSWER} characters, got {len(text)}",
            node.min_length,
            MAX_ANSWER,
            too_long=True,
        )
    if visible_length(text) < node.min_length:
        raise AnswerLengthError(
            f"an answer here needs {node.min_length} to {MAX_ANSWER} characters, got {visible_length(text)}",
            node.min_length,
            MAX_ANSWER,
        )
    return _run(dialogue, _record(state, node.id, None), node.next, [Answered(node.id, text, node.share)])


def visible_length(text: str) -> int:
    """Characters a reader sees: no whitespace, invisible format or control characters, or combining marks."""
    return sum(not char.isspace() and unicodedata.category(char) not in _INVISIBLE for char in text)


def _record(state: State, node: NodeId, option: OptionId | None, variables: Mapping[str, Value] | None = None) -> State:
    """``state`` with one more answered question (and the variables that answer set)."""
    path = (*state.path, Step(node, option))
    variables = state.variables if variables is None else variables
    return State(state.dialogue, state.version, state.language, state.node, variables, state.visits, path)


def _offered(node: Choice, state: State) -> list[Option]:
    if not node.conditional:
        return list(node.options)
    env = Env(state.variables, cast(Mapping[str, int], state.visits), state.path)
    return [o for o in node.options if o.condition is None or evaluate(o.condition, env)]


def _run(dialogue: Dialogue, state: State, node_id: NodeId, outputs: list[Output] | None) -> Transition:
    """Walk from ``node_id`` through messages and branches until a question or an end.

    With ``outputs`` None (a replay for "back") nothing is built for display.
    """
    visits = dict(state.visits)
    language = state.language
    for _ in range(len(dialogue.nodes) + 1):
        visits[node_id] = visits.get(node_id, 0) + 1
        node = dialogue.nodes[node_id]
        if isinstance(node, Message):
            if outputs is not None:
                outputs.extend(_bubbles(node.say, language, node.image))
            node_id = node.next
        elif isinstance(node, Branch):
            env = Env(state.variables, cast(Mapping[str, int], visits), state.path)
            node_id = next((rule.next for rule in node.when if evaluate(rule.condition, env)), node.next)
        else:
            done = isinstance(node, End)
            moved = State(state.dialogue, state.version, language, node_id, state.variables, visits, state.path, done)
            if outputs is None:
                return Transition(moved, ())
            outputs.extend(_end(node, moved) if isinstance(node, End) else _ask(dialogue, moved, node))
            return Transition(moved, tuple(outputs))
    raise LoopError(f"dialogue {dialogue.id!r} loops from node {node_id!r} without asking anything")


def _end(node: End, state: State) -> list[Output]:
    return [*_bubbles(node.say, state.language), Finished(node.id)]


def _ask(dialogue: Dialogue, state: State, node: Question) -> tuple[Output, ...]:
    language = state.language
    head = (dialogue.id, dialogue.version, node.id)
    if isinstance(node, Choice):
        offers = tuple(
            Offer(o.id, o.label.get(language), buttons.choice_data(*head, o.id)) for o in _offered(node, state)
        )
        ask: Output = AskChoice(node.id, node.ask.get(language), offers, node.peers)
    else:
        skip = buttons.encode(buttons.SkipButton(*head)) if node.skip else None
        ask = AskText(node.id, node.ask.get(language), node.min_length, skip)
    return (*_bubbles(node.say, language), ask)


def _bubbles(texts: tuple[Text, ...], language: str, image: str | None = None) -> list[Output]:
    said = [Say(text.get(language)) for text in texts]
    if image and said:
        said[0] = Say(said[0].text, image)
    return list[Output](said)


__all__ = [
    "Answer",
    "AnswerLengthError",
    "Answered",
    "AskChoice",
    "AskText",
    "Back",
    "Choose",
    "Chosen",
    "EngineError",
    "Event",
    "Finished",
    "LoopError",
    "NotOfferedError",
    "Offer",
    "Output",
    "Say",
    "Skip",
    "StaleError",
    "Start",
    "Transition",
    "UnexpectedEventError",
    "back",
    "current",
    "question",
    "start",
    "step",
    "visible_length",
    "where",
]
