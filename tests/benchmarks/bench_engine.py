"""Engine and validator speed: prints steps per second and the time to validate 1,000 nodes.

    python tests/benchmarks/bench_engine.py [--steps N] [--nodes N]

Targets (issue 3): >= 50,000 engine steps/s on one core; < 200 ms to validate
a generated 1,000-node dialogue. Figures are medians of several rounds, so a
noisy shared machine moves them less.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from bot.dialogue import engine
from bot.dialogue.engine import Back
from bot.dialogue.files import load_folder
from bot.dialogue.loader import check_dialogue
from bot.dialogue.model import Dialogue
from bot.dialogue.walk import random_event

ROOT = Path(__file__).parents[2]


def generated_yaml(nodes: int) -> str:
    """A dialogue of ``nodes`` nodes: messages, choices with conditions, reflections and branches."""
    lines = [
        "id: generated",
        "version: 1",
        "title: {nl: Groot, en: Large}",
        "session: other",
        "languages: [nl, en]",
        "start: n0",
        "variables: {score: 0, flag: false}",
        "nodes:",
    ]
    for i in range(nodes - 1):
        lines += _node(i, nodes)
    lines += [f"  n{nodes - 1}:", "    type: end", "    say: {nl: Klaar, en: Done}"]
    return "\n".join(lines) + "\n"


def _node(i: int, total: int) -> list[str]:
    following, later = f"n{i + 1}", f"n{min(i + 2, total - 1)}"
    kind = i % 4
    head = [f"  n{i}:"]
    if kind == 0:
        return [
            *head,
            "    type: message",
            f"    say: [{{nl: Bericht {i}, en: Message {i}}}]",
            f"    next: {following}",
        ]
    if kind == 1:
        return [
            *head,
            "    type: choice",
            f"    ask: {{nl: Vraag {i}?, en: Question {i}?}}",
            "    peers: true",
            "    options:",
            f"      - {{id: a, label: {{nl: Een, en: One}}, add: {{score: 1}}, next: {following}}}",
            f"      - {{id: b, label: {{nl: Twee, en: Two}}, set: {{flag: true}}, next: {later}}}",
            f"      - {{id: c, label: {{nl: Drie, en: Three}}, if: 'score > 2 and not flag', next: {following}}}",
        ]
    if kind == 2:
        return [
            *head,
            "    type: reflection",
            "    ask: {nl: Waarom?, en: Why?}",
            "    skip: true",
            f"    next: {following}",
        ]
    return [
        *head,
        "    type: branch",
        "    when:",
        f"      - {{if: 'chosen(n{i - 2}.a) or visited(n0)', next: {following}}}",
        f"    next: {later}",
    ]


def steps_per_second(dialogues: Sequence[Dialogue], steps: int, back_rate: float) -> float:
    """Play random walks until ``steps`` events were applied; ``back_rate`` of them are "back"."""
    rng = random.Random(0)
    done, began = 0, time.perf_counter()
    while done < steps:
        dialogue = rng.choice(dialogues)
        transition = engine.start(dialogue, dialogue.languages[-1])
        while not transition.state.done and done < steps:
            event = Back() if transition.state.path and rng.random() < back_rate else None
            event = event or _forward(transition, rng)
            transition = engine.step(dialogue, transition.state, event)
            done += 1
    return done / (time.perf_counter() - began)


def _forward(transition: engine.Transition, rng: random.Random) -> engine.Event:
    while True:
        event = random_event(transition, rng)
        if not isinstance(event, Back):
            return event


def back_milliseconds(dialogue: Dialogue, depth: int, rounds: int) -> tuple[int, float]:
    """Walk ``depth`` questions into ``dialogue``, then time one "back" (it replays the path)."""
    rng = random.Random(1)
    transition = engine.start(dialogue, "en")
    while len(transition.state.path) < depth and not transition.state.done:
        transition = engine.step(dialogue, transition.state, _forward(transition, rng))
    timings = []
    for _ in range(rounds):
        began = time.perf_counter()
        engine.step(dialogue, transition.state, Back())
        timings.append(time.perf_counter() - began)
    return len(transition.state.path), statistics.median(timings) * 1000


def validate_seconds(text: bytes, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        began = time.perf_counter()
        checked = check_dialogue(text, "generated.yaml")
        timings.append(time.perf_counter() - began)
        assert checked.dialogue is not None, [str(p) for p in checked.problems][:5]
    return statistics.median(timings)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--nodes", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    text = generated_yaml(args.nodes).encode()
    generated = check_dialogue(text, "generated.yaml").dialogue
    assert generated is not None
    shipped = list(load_folder(ROOT / "dialogues").values())
    share = args.steps // args.rounds
    for label, dialogues, rate in (
        (f"shipped dialogues ({len(shipped)})", shipped, 0.0),
        ("shipped dialogues, 10% back", shipped, 0.1),
        (f"generated {args.nodes:,}-node dialogue", [generated], 0.0),
    ):
        rates = [steps_per_second(dialogues, share, rate) for _ in range(args.rounds)]
        print(f"engine, {label}: {statistics.median(rates):,.0f} steps/s (median of {args.rounds}, target >= 50,000)")
    depth, millis = back_milliseconds(generated, args.nodes // 4, args.rounds)
    print(f"engine, back after {depth} answers in the generated dialogue: {millis:.1f} ms (it replays the path)")
    seconds = validate_seconds(text, args.rounds)
    print(f"validate: {args.nodes:,} nodes ({len(text):,} bytes) in {seconds * 1000:.0f} ms (median, target < 200 ms)")


if __name__ == "__main__":
    main()
