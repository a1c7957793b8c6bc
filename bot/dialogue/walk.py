"""Seeded random playthroughs: does every walk end, and is every node visited?"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.dialogue.engine import Answer, AskChoice, AskText, Back, Choose, Event, Skip, Transition, question, start, step
from bot.dialogue.errors import EngineError
from bot.dialogue.model import Dialogue, NodeId


@dataclass(frozen=True, slots=True)
class Failure:
    """Walk number ``walk`` got stuck at ``node`` for ``reason``."""

    walk: int
    node: NodeId
    reason: str


@dataclass(slots=True)
class WalkReport:
    visited: set[NodeId] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)

    def unvisited(self, dialogue: Dialogue) -> list[NodeId]:
        return [node for node in dialogue.nodes if node not in self.visited]


def walk(dialogue: Dialogue, walks: int, seed: int = 0, bound: int | None = None) -> WalkReport:
    """Play ``dialogue`` ``walks`` times with random answers; report walks that do not end."""
    rng = random.Random(f"{seed}:{dialogue.id}")
    limit = bound or 10 * len(dialogue.nodes) + 10
    report = WalkReport()
    for number in range(1, walks + 1):
        failure = _walk_once(dialogue, rng, limit, report)
        if failure:
            report.failures.append(Failure(number, *failure))
    return report


def _walk_once(dialogue: Dialogue, rng: random.Random, limit: int, report: WalkReport) -> tuple[NodeId, str] | None:
    transition = start(dialogue, rng.choice(dialogue.languages))
    try:
        for _ in range(limit):
            report.visited.update(transition.state.visits)
            if transition.state.done:
                return None
            transition = step(dialogue, transition.state, random_event(transition, rng))
    except EngineError as exc:
        return transition.state.node, f"stopped at node {transition.state.node!r}: {exc}"
    return transition.state.node, f"did not reach an end within {limit} steps (at node {transition.state.node!r})"


def random_event(transition: Transition, rng: random.Random) -> Event:
    """A valid event for the question ``transition`` ends on, sometimes "back"."""
    if transition.state.path and rng.random() < 0.1:
        return Back()
    asked = question(transition.outputs)
    if asked is None:
        raise EngineError("the dialogue stopped without asking anything")
    return _answer(asked, rng)


def _answer(question: AskChoice | AskText, rng: random.Random) -> Event:
    if isinstance(question, AskChoice):
        return Choose(rng.choice(question.options).id)
    if question.skip_data and rng.random() < 0.3:
        return Skip()
    return Answer("words " * question.min_length)
