"""Store speed: durable dialogue steps per second, for one writer and for many at once.

    python tests/benchmarks/bench_store.py [--steps N] [--rounds R] [--writers W] [--seconds S]

A step is one ``Conversations.apply`` through ``dialogues/martin.yaml`` (read
the state, run the engine, commit the update id, state and answer in one
transaction: SQLite WAL, synchronous=NORMAL). The raw ``store.commit_step``
rate, with the engine's states computed beforehand, shows what the store alone
costs. Each writer is its own person; a finished dialogue starts again as a new
one. Target: >= 2,000 durable dialogue steps/s; reported, never enforced.
Figures are medians of several rounds, so a noisy shared machine moves them less.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bot.dialogue import engine
from bot.dialogue.events import Answer, Answered, AskChoice, AskText, Choose, Chosen, Event, Skip, Start
from bot.dialogue.model import Dialogue
from bot.dialogue.state import State
from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations
from bot.store.keys import Keys
from bot.store.protocol import StepRecord
from bot.store.sqlite import SqliteStore

ROOT = Path(__file__).parents[2]
SECRET = "bench-store-secret-" + "x" * 32
TARGET = 2_000  # durable dialogue steps per second
WORDS = ("duty", "doubt", "loyal", "fair", "people", "rules", "voice", "mission", "trust", "care", "because")

Measure = Callable[[int, int, float], Awaitable[float]]  # (writers, steps, seconds) -> steps/s


def answer(asked: AskChoice | AskText, rng: random.Random) -> Event:
    """A random answer: an offered option, or a reflection of a few dozen words (now and then skipped)."""
    if isinstance(asked, AskChoice):
        return Choose(rng.choice(asked.options).id)
    if asked.skip_data is not None and rng.random() < 0.2:
        return Skip()
    return Answer(" ".join(rng.choices(WORDS, k=rng.randint(asked.min_length // 4 + 4, 60))))


def walk(dialogue: Dialogue, rng: random.Random) -> list[tuple[State, tuple[Chosen | Answered, ...]]]:
    """One run through ``dialogue`` by the engine alone: each state with what its step records."""
    transition = engine.start(dialogue, "en")
    steps = [(transition.state, tuple[Chosen | Answered, ...]())]
    while not transition.state.done:
        asked = engine.question(transition.outputs)
        assert asked is not None
        transition = engine.step(dialogue, transition.state, answer(asked, rng))
        steps.append((transition.state, tuple(o for o in transition.outputs if isinstance(o, Chosen | Answered))))
    return steps


class Bench:
    """One open store with martin published; hands out fresh people and update ids."""

    def __init__(self, store: SqliteStore, catalogue: Catalogue, dialogue: Dialogue) -> None:
        self.store, self.dialogue = store, dialogue
        self.conversations = Conversations(store, catalogue)
        self.keys = Keys(SECRET)
        self.people, self.update_ids = itertools.count(1), itertools.count(1)
        self.walks = [walk(dialogue, random.Random(i)) for i in range(8)]

    async def apply(self, writers: int, steps: int, seconds: float) -> float:
        """Steps/s of ``writers`` tasks sharing ``steps`` ``Conversations.apply`` calls (or ``seconds``)."""

        async def writer(number: int) -> int:
            rng, done = random.Random(number), 0
            while budget.take():
                who = self.keys.identity(f"bench:{next(self.people)}")
                event: Event | None = Start("en")
                while event is not None:
                    outcome = await self.conversations.apply(
                        who.person, self.dialogue.id, event, update_id=next(self.update_ids)
                    )
                    assert outcome.state is not None
                    done += 1
                    asked = engine.question(outcome.outputs)
                    event = None if outcome.state.done or asked is None or not budget.take() else answer(asked, rng)
            return done

        budget = Budget(steps, seconds)
        return await timed(writers, writer)

    async def commit(self, writers: int, steps: int, seconds: float) -> float:
        """Steps/s of ``writers`` tasks sharing ``steps`` raw ``commit_step`` calls of precomputed states."""

        async def writer(number: int) -> int:
            done, steps_ = 0, itertools.cycle(self.walks[number % len(self.walks)])
            person = self.keys.identity(f"bench:{next(self.people)}").person
            revision: int | None = None
            while budget.take():
                state, records = next(steps_)
                saved = await self.store.commit_step(
                    StepRecord(person, state, revision, records, next(self.update_ids))
                )
                assert saved is not None
                revision, done = saved.revision, done + 1
            return done

        budget = Budget(steps, seconds)
        return await timed(writers, writer)


class Budget:
    """A shared number of steps, and a deadline, for the writers of one measurement."""

    def __init__(self, steps: int, seconds: float) -> None:
        self.left, self.deadline = steps, time.monotonic() + seconds

    def take(self) -> bool:
        if self.left <= 0 or time.monotonic() >= self.deadline:
            return False
        self.left -= 1
        return True


async def timed(writers: int, writer: Callable[[int], Awaitable[int]]) -> float:
    began = time.perf_counter()
    done = await asyncio.gather(*(writer(n) for n in range(writers)))
    return sum(done) / (time.perf_counter() - began)


async def measure(args: argparse.Namespace, folder: Path) -> dict[tuple[str, int], list[float]]:
    rates: dict[tuple[str, int], list[float]] = {}
    async with await SqliteStore.open(folder / "bench.sqlite", keys=Keys(SECRET)) as store:
        catalogue = Catalogue(store)
        dialogue = await catalogue.publish((ROOT / "dialogues" / "martin.yaml").read_bytes(), "martin.yaml", "bench")
        bench = Bench(store, catalogue, dialogue)
        kinds: dict[str, Measure] = {"Conversations.apply": bench.apply, "store.commit_step": bench.commit}
        for _ in range(args.rounds):  # interleaved, so a slow spell of the machine hits every figure alike
            for (kind, run), writers in itertools.product(kinds.items(), (1, args.writers)):
                rates.setdefault((kind, writers), []).append(await run(writers, args.steps, args.seconds))
    return rates


def report(args: argparse.Namespace, rates: dict[tuple[str, int], list[float]]) -> None:
    many = f"{args.writers} writers"
    print(
        f"store: durable steps/s, median of {args.rounds} round(s) of {args.steps:,} steps "
        f"(SQLite {sqlite3.sqlite_version}, WAL, synchronous=NORMAL, {os.cpu_count()} CPUs)"
    )
    print(f"  {'':<22}{'1 writer':>12}{many:>14}{'ratio':>8}")
    medians: dict[tuple[str, int], float] = {key: statistics.median(values) for key, values in rates.items()}
    for kind in ("Conversations.apply", "store.commit_step"):
        one, lots = medians[kind, 1], medians[kind, args.writers]
        print(f"  {kind:<22}{one:>12,.0f}{lots:>14,.0f}{lots / one:>8.2f}")
    verdicts = ", ".join(
        f"{label} {'met' if medians['Conversations.apply', writers] >= TARGET else 'NOT met'}"
        for label, writers in (("1 writer", 1), (many, args.writers))
    )
    print(f"  ratio = {many} / 1 writer; target >= {TARGET:,} dialogue steps/s (Conversations.apply): {verdicts}")


def bounded(low: float, high: float, kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = kind(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:,} and {high:,}")
        return value

    return parse


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=bounded(1, 1_000_000, int), default=3_000, help="steps per measurement")
    parser.add_argument("--rounds", type=bounded(1, 20, int), default=3)
    parser.add_argument("--writers", type=bounded(2, 1_000, int), default=50, help="concurrent writers")
    parser.add_argument("--seconds", type=bounded(0.1, 600, float), default=60, help="time limit per measurement")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-store-") as folder:
        rates = asyncio.run(measure(args, Path(folder)))
    report(args, rates)


if __name__ == "__main__":
    main()
