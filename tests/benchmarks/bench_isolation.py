"""Isolation: one chat's rate limit, or one trainer's big upload, must not hold up everyone else.

    python tests/benchmarks/bench_isolation.py [--people 200] [--limited 20] [--seconds 15] [--upload-kb 300]

One bot process (``python -m bot run``, pacing off) against the fake Bot API
server; people walk data/bench.yaml with a pause between actions (``--pause``:
0.5-1.5 times it). Latency runs from an action to the bubble that completes its
reply. Three phases of ``--seconds`` each, reported side by side as ratios
against the first:

(a) baseline: everyone walks; p50/p95 of everyone.
(b) the same, plus ``--limited`` accounts whose chats the fake limits to one
    message per ``--limit-seconds`` (a 429 with retry_after past it), who keep
    acting: p50/p95 of the others only. Then the limit is lifted and the time the
    bot takes to catch up is printed.
(c) the same as (a) while a trainer (in ``GOODWORK_TRAINERS``) uploads a
    generated ``--upload-kb`` kB dialogue as a document, twice: a valid one
    (bench_engine.py's generator) and one where every node leads to a missing
    node whose name is close to every node id (the worst case for the "did you
    mean" search). For each: how long the trainer waited for the answer, and
    the others' p50/p95/max over the actions in progress from the upload until
    the answer (and for at least ``--window`` s).

An action not answered within ``--patience`` s counts at that wait (a figure equal
to it is a floor); the person then carries on with ``/start bench``, which shows
them where they are. The trainer waits at most ``--upload-wait`` s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from bench_bot import MARKS, Walker, chose_english  # noqa: E402  (bench_bot puts tests/telegram on the path)
from bench_crash import BotProcess, MarkedTelegram, bot_running  # noqa: E402
from bench_engine import generated_yaml  # noqa: E402
from person import Person  # noqa: E402

from bot.dialogue.loader import check_dialogue  # noqa: E402

FIRST_ID = 7_100_000_000
LIMITED_ID = 7_200_000_000
TRAINER = 7_300_000_017
QUESTION_MARKS = MARKS[:-1]
BROKEN_PREFIX = "step_number_"


@dataclass(frozen=True)
class Timing:
    started: float
    ended: float
    answered: bool

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass
class PatientWalker(Walker):
    """bench_bot's walker, waiting up to a patience for each reply; after a silence it sends /start bench
    and goes on from the question the bot shows."""

    tg: MarkedTelegram

    async def timed(self, patience: float) -> Timing:
        chat = self.person.chat_id
        since, wanted = len(self.tg.bubbles[chat]), QUESTION_MARKS if self.step == 0 else (MARKS[self.step],)
        started = time.monotonic()
        self._push()
        bubble = await self.tg.bubble(chat, since, lambda b: b.mark in wanted, lambda: started + patience)
        if bubble is None or bubble.mark is None:
            self.step = 0
            return Timing(started, time.monotonic(), answered=False)
        self.step = (MARKS.index(bubble.mark) + 1) % len(MARKS)
        return Timing(started, bubble.at, answered=True)


async def walk(walker: PatientWalker, pause: float, patience: float, stopping: asyncio.Event) -> list[Timing]:
    """Act, pause, act, ... until ``stopping`` is set; the timing of each action."""
    timings: list[Timing] = []
    await asyncio.sleep(walker.rng.uniform(0, pause))  # spread the starts
    while not stopping.is_set():
        timings.append(await walker.timed(patience))
        await asyncio.sleep(walker.rng.uniform(0.5 * pause, 1.5 * pause))
    return timings


async def walk_all(
    walkers: Sequence[PatientWalker], pause: float, patience: float, stopping: asyncio.Event
) -> list[Timing]:
    walked = await asyncio.gather(*(walk(w, pause, patience, stopping) for w in walkers))
    return [timing for timings in walked for timing in timings]


async def one_round(walkers: Sequence[PatientWalker], patience: float) -> None:
    """Each person through the dialogue once, at once: everyone is known to the bot before measuring."""

    async def round_of(walker: PatientWalker) -> None:
        for _ in MARKS:
            await walker.timed(patience)
            if walker.step == 0:
                return

    await asyncio.gather(*(round_of(w) for w in walkers))


def stop_after(seconds: float) -> asyncio.Event:
    stopping = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stopping.set)
    return stopping


# -- uploads -------------------------------------------------------------------------------------------


def valid_dialogue(size: int) -> bytes:
    """bench_engine.py's generated dialogue, with as many nodes as make about ``size`` bytes."""
    per_node = len(generated_yaml(101)) / 100
    return generated_yaml(max(8, round(size / per_node))).encode()


def broken_dialogue(size: int) -> bytes:
    """About ``size`` bytes of messages, each leading to a missing node whose name is close to every node id."""
    lines = ["id: broken", "version: 1", "title: {en: Broken links}", "session: other", "languages: [en]"]
    lines += [f"start: {BROKEN_PREFIX}00000", "nodes:", "  done:", "    type: end", "    say: {en: Done}"]
    per_node = 95
    for i in range(max(2, size // per_node)):
        lines += [f"  {BROKEN_PREFIX}{i:05d}:", "    type: message", f"    say: {{en: Message {i}}}"]
        lines.append(f"    next: {BROKEN_PREFIX}x{i:05d}")
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class Upload:
    label: str
    size: int
    started: float
    ended: float
    answered: bool

    @property
    def seconds(self) -> float:
        return self.ended - self.started


async def upload(tg: MarkedTelegram, trainer: Person, label: str, content: bytes, wait: float) -> Upload:
    """The trainer sends ``content`` as a document and waits (at most ``wait`` s) for the bot's first answer."""
    chat = trainer.chat_id
    since, started = len(tg.bubbles[chat]), time.monotonic()
    trainer.send_document(content, f"{label}.yaml", "application/x-yaml")
    answer = await tg.bubble(chat, since, lambda _: True, lambda: started + wait)
    return Upload(label, len(content), started, answer.at if answer else time.monotonic(), answer is not None)


async def uploads(tg: MarkedTelegram, trainer: Person, args: argparse.Namespace) -> list[Upload]:
    size = int(args.upload_kb * 1000)
    valid = valid_dialogue(size)
    assert check_dialogue(valid, "valid.yaml").dialogue is not None, "bench_engine's generator made a broken file"
    done = []
    for label, content in (("valid", valid), ("broken", broken_dialogue(size))):
        await asyncio.sleep(args.window + 1)  # so that the two windows do not overlap
        done.append(await upload(tg, trainer, label, content, args.upload_wait))
    return done


# -- the run -------------------------------------------------------------------------------------------


@dataclass
class Figures:
    baseline: list[Timing]
    limited: list[Timing]  # the others' while the limited accounts acted
    limited_actions: int
    caught_up: float | None  # seconds the bot took to settle once the limit was lifted (None: it did not)
    during: list[tuple[Upload, list[Timing]]]  # each upload, and the others' actions in progress meanwhile


async def measure(tg: MarkedTelegram, bot: BotProcess, args: argparse.Namespace) -> Figures:
    await bot.back()
    rng = random.Random(args.seed)
    others = [walker(tg, FIRST_ID + n, rng) for n in range(args.people)]
    await asyncio.gather(*(chose_english(w.person, args.patience) for w in others))  # newcomers choose first
    await one_round(others, args.patience)
    baseline = await walk_all(others, args.pause, args.patience, stop_after(args.seconds))
    limited, limited_actions, caught_up = await with_limited(tg, others, rng, args)
    during = await with_uploads(tg, others, args)
    return Figures(baseline, limited, limited_actions, caught_up, during)


def walker(tg: MarkedTelegram, user_id: int, rng: random.Random) -> PatientWalker:
    return PatientWalker(tg, tg.person(user_id, language_code="en"), random.Random(rng.random()))


async def with_limited(
    tg: MarkedTelegram, others: Sequence[PatientWalker], rng: random.Random, args: argparse.Namespace
) -> tuple[list[Timing], int, float | None]:
    """Phase (b): the others' timings, the limited accounts' actions, and how long the bot took to catch up."""
    limited = [walker(tg, LIMITED_ID + n, rng) for n in range(args.limited)]
    await asyncio.gather(*(chose_english(w.person, args.patience) for w in limited))
    tg.limit_chats([w.person.chat_id for w in limited], 1 / args.limit_seconds, args.retry_after)
    stopping = stop_after(args.seconds)
    timed, stuck = await asyncio.gather(
        walk_all(others, args.pause, args.patience, stopping),
        walk_all(limited, args.pause, min(args.patience, 5.0), stopping),
    )
    tg.limit_chats([w.person.chat_id for w in limited], None)
    lifted = time.monotonic()
    try:
        await tg.settled(timeout=args.patience * 2)
    except TimeoutError:
        return timed, len(stuck), None
    return timed, len(stuck), time.monotonic() - lifted


async def with_uploads(
    tg: MarkedTelegram, others: Sequence[PatientWalker], args: argparse.Namespace
) -> list[tuple[Upload, list[Timing]]]:
    """Phase (c): both uploads, each with the others' actions in progress meanwhile."""
    trainer = tg.person(TRAINER, language_code="en")
    stopping = asyncio.Event()
    walking = asyncio.ensure_future(walk_all(others, args.pause, args.patience, stopping))
    try:
        done, _ = await asyncio.gather(uploads(tg, trainer, args), asyncio.sleep(args.seconds))
    finally:
        stopping.set()
    timings = await walking
    return [(u, in_progress(timings, u.started, max(u.ended, u.started + args.window))) for u in done]


def in_progress(timings: Sequence[Timing], start: float, end: float) -> list[Timing]:
    """The actions in progress at some moment between ``start`` and ``end``."""
    return [timing for timing in timings if timing.started < end and timing.ended > start]


async def bench(args: argparse.Namespace) -> Figures:
    async with bot_running(grace=5.0, GOODWORK_TRAINERS=str(TRAINER)) as (tg, bot):
        return await measure(tg, bot, args)


# -- the report ----------------------------------------------------------------------------------------


def figures_of(timings: Sequence[Timing]) -> dict[str, float]:
    seconds = sorted(t.seconds for t in timings) or [float("nan")]
    return {
        "actions": len(timings),
        "p50 ms": 1000 * statistics.median(seconds),
        "p95 ms": 1000 * seconds[int(0.95 * (len(seconds) - 1))],
        "max ms": 1000 * seconds[-1],
        "unanswered": sum(not t.answered for t in timings),
    }


def report(args: argparse.Namespace, figures: Figures) -> None:
    print(
        f"isolation: {args.people} people (pause {0.5 * args.pause:g}-{1.5 * args.pause:g} s), phases of "
        f"{args.seconds:g} s; {args.limited} limited accounts (429 past 1 message per {args.limit_seconds:g} s"
        f"{f', retry_after {args.retry_after} s' if args.retry_after else ''}); uploads of ~{args.upload_kb:g} kB"
    )
    base = figures_of(figures.baseline)
    rows = [
        ("(a) baseline: everyone", base),
        (f"(b) with {args.limited} limited: the others", figures_of(figures.limited)),
    ]
    rows += [(f"(c) {u.label} upload: the others", figures_of(t)) for u, t in figures.during]
    print(
        f"  {'':<34}{'actions':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'unanswered':>11}{'p50 x':>8}{'p95 x':>8}"
    )
    for label, row in rows:
        ratios = [row[key] / base[key] if base[key] else float("nan") for key in ("p50 ms", "p95 ms")]
        values = f"{row['actions']:>8,.0f}{row['p50 ms']:>10,.1f}{row['p95 ms']:>10,.1f}{row['max ms']:>10,.1f}"
        print(f"  {label:<34}{values}{row['unanswered']:>11,.0f}{ratios[0]:>8.1f}{ratios[1]:>8.1f}")
    print(f"  limited accounts: {figures.limited_actions} actions; after the limit was lifted the bot", end=" ")
    print("did not settle" if figures.caught_up is None else f"settled in {figures.caught_up:.1f} s")
    for u, _ in figures.during:
        waited = f"{u.seconds:.2f} s" if u.answered else f"more than {u.seconds:.0f} s (no answer yet)"
        print(f"  trainer's {u.label} upload ({u.size / 1000:,.0f} kB): answered after {waited}")
    print(f"  (an action unanswered after {args.patience:g} s counts as {args.patience:g} s: such figures are floors)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=200, choices=range(1, 2001), metavar="N")
    parser.add_argument("--limited", type=int, default=20, choices=range(1, 201), metavar="N")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each phase (at most 120)")
    parser.add_argument("--upload-kb", type=float, default=300.0, help="size of each uploaded dialogue (at most 900)")
    parser.add_argument("--pause", type=float, default=1.5, help="mean pause between one person's actions")
    parser.add_argument("--patience", type=float, default=20.0, help="how long a person waits for a reply")
    parser.add_argument("--upload-wait", type=float, default=60.0, help="how long the trainer waits")
    parser.add_argument("--window", type=float, default=3.0, help="an upload's window lasts at least this")
    parser.add_argument("--limit-seconds", type=float, default=30.0, help="a limited chat gets 1 message per this")
    parser.add_argument("--retry-after", type=int, default=None, help="a fixed retry_after in the limited chats' 429s")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    args.seconds, args.upload_kb = min(args.seconds, 120.0), min(args.upload_kb, 900.0)
    args.patience, args.upload_wait = min(args.patience, 120.0), min(args.upload_wait, 300.0)
    report(args, asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
