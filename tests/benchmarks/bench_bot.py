"""The bot under load: simulated people walking a dialogue against the fake Telegram server.

    python tests/benchmarks/bench_bot.py [--people 200] [--pause 2] [--seconds 15] [--burst-seconds 8]

Two bots run in turn as their own processes against the fake Bot API server
(tests/telegram/fakeapi.py), with pacing off (``GOODWORK_PACING_MS=0``):

- ``goodwork run`` on ``data/bench.yaml``, committing every step to SQLite;
- ``baseline_bot.py``: the same dialogue shape written like python-telegram-bot's
  examples (ConversationHandler + PicklePersistence).

For each: a paced phase (every person pauses ``--pause`` s between actions; p50/p95
latency from an action to the bubble that completes the reply) and a burst phase
(no pauses: actions per second and the bot process's CPU milliseconds per
action), then the bot's peak memory. Figures are printed side by side with the
ratio; the aims (CPU <= 2/3 of the baseline's, p95 < 100 ms) are reported, never enforced.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "tests" / "telegram"), str(HERE)]

import machine  # noqa: E402
import shipped  # noqa: E402
from fakeapi import FakeTelegram  # noqa: E402
from person import Person  # noqa: E402
from talk import free_port  # noqa: E402

MARKS = ("[Q1]", "[Q2]", "[Q3]", "[Q4]", "[END]")
WORDS = ("duty", "doubt", "fair", "people", "rules", "voice", "trust", "care", "because", "public")
TICKS = os.sysconf("SC_CLK_TCK")


def mark_of(text: str) -> str | None:
    """The mark ("[Q1]" .. "[END]") of the last marked paragraph of a message: a step's bubbles are
    paragraphs of one message, its question (or its end) the last of them."""
    marked = [paragraph for paragraph in text.split("\n\n") if paragraph.startswith(MARKS)]
    return next(mark for mark in MARKS if marked[-1].startswith(mark)) if marked else None


class WatchedTelegram(FakeTelegram):
    """The fake server, telling waiting people when the bubble that completes a reply arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.waiters: dict[tuple[int, str], asyncio.Future[float]] = {}

    def expect(self, chat_id: int, mark: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[chat_id, mark] = future
        return future

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = super()._send_message(params)
        text = str(params.get("text", ""))
        mark = mark_of(text)
        if mark is not None:
            future = self.waiters.pop((int(params["chat_id"]), mark), None)
            if future is not None and not future.done():
                future.set_result(time.monotonic())
        return sent


async def chose_english(person: Person, patience: float = 10.0) -> None:
    """A newcomer to goodwork picks English first (with /language), so that /start bench opens the dialogue."""
    person.send("/language")
    deadline = time.monotonic() + patience
    while not any(message.button("English") for message in person.messages):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no language prompt for user {person.user_id} within {patience:g} s")
        await asyncio.sleep(0.01)
    shown = len(person.messages)
    await person.press("English")
    while len(person.messages) == shown and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


@dataclass
class Phase:
    actions: int = 0
    failures: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0


@dataclass
class Walker:
    """One simulated person: start, choose, write, choose, write; again until the phase ends."""

    tg: WatchedTelegram
    person: Person
    rng: random.Random
    step: int = 0

    async def act(self, phase: Phase) -> None:
        mark = MARKS[self.step]
        waiting = self.tg.expect(self.person.chat_id, mark)
        started = time.monotonic()
        self._push()
        try:
            arrived = await asyncio.wait_for(waiting, 10)
        except TimeoutError:
            phase.failures += 1
            self.step = 0
            return
        phase.actions += 1
        phase.latencies.append(arrived - started)
        self.step = (self.step + 1) % len(MARKS)

    def _push(self) -> None:
        if self.step == 0:
            self.person.send("/start bench")
        elif self.step in (1, 3):
            keyboard = next(m for m in reversed(self.person.messages) if m.buttons)
            label = self.rng.choice(keyboard.buttons)
            button = keyboard.button(label)
            assert button is not None
            self.person.press_data(str(button["callback_data"]), keyboard.message_id)
        else:
            self.person.send(" ".join(self.rng.choices(WORDS, k=self.rng.randint(5, 40))))


async def walk(walker: Walker, phase: Phase, pause: float, until: float) -> None:
    await asyncio.sleep(walker.rng.uniform(0, pause))  # spread the starts
    while time.monotonic() < until:
        await walker.act(phase)
        if pause:
            await asyncio.sleep(walker.rng.uniform(0.5 * pause, 1.5 * pause))
    while walker.step != 0 and time.monotonic() < until + 10:  # finish the round, so the next phase starts clean
        await walker.act(phase)


async def run_phase(walkers: list[Walker], pause: float, seconds: float, pid: int) -> Phase:
    phase = Phase()
    cpu_before, started = cpu_seconds(pid), time.monotonic()
    await asyncio.gather(*(walk(w, phase, pause, started + seconds) for w in walkers))
    phase.seconds, phase.cpu = time.monotonic() - started, cpu_seconds(pid) - cpu_before
    return phase


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_bot(
    kind: str, tg: FakeTelegram, folder: Path, *, dialogues: Path | None = None, pacing_ms: int = 0
) -> subprocess.Popen[bytes]:
    """The bot as its own process: goodwork on ``dialogues`` (default: data/bench.yaml alone), by long polling or
    (``goodwork-webhook``) by webhook, the fake posting each update to it; or the baseline."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PTB_TIMEDELTA": "true"}
    if kind == "goodwork-webhook":
        port = free_port()
        tg.deliver_to(f"http://127.0.0.1:{port}/hook")
        env |= {"GOODWORK_WEBHOOK_URL": "https://bench.example.org/hook", "GOODWORK_LISTEN": f"127.0.0.1:{port}"}
    if kind.startswith("goodwork"):
        if dialogues is None:
            dialogues = folder / "dialogues"
            dialogues.mkdir(exist_ok=True)
            (dialogues / "bench.yaml").write_bytes((HERE / "data" / "bench.yaml").read_bytes())
        env |= {
            "GOODWORK_TOKEN": tg.token,
            "GOODWORK_API_URL": tg.api_url,
            "GOODWORK_DB": str(folder / "bench.sqlite3"),
            "GOODWORK_SECRET": "bench-bot-secret-" + "b" * 32,
            "GOODWORK_DIALOGUES": str(dialogues),
            "GOODWORK_PACING_MS": str(pacing_ms),
            "GOODWORK_DIGEST": "off",
        }
        profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
        command = [sys.executable, *profile, "-m", "bot", "run"]
    else:
        env |= {"BENCH_TOKEN": tg.token, "BENCH_API_URL": tg.api_url, "BENCH_STATE": str(folder / "baseline.pickle")}
        command = [sys.executable, str(HERE / "baseline_bot.py")]
    with (folder / f"{kind}.log").open("wb") as log:  # the child keeps its own handle
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log, cwd=folder)


async def bench(kind: str, args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        async with WatchedTelegram() as tg:
            process = start_bot(kind, tg, Path(folder))
            try:
                return await measure(tg, process, args, kind)
            except Exception:
                print((Path(folder) / f"{kind}.log").read_text()[-3000:], file=sys.stderr)
                raise
            finally:
                await stop(process)


async def bench_shipped(kind: str, args: argparse.Namespace) -> dict[str, float]:
    """One bot on what it ships (goodwork: onboarding, then the introduction), walked by first buttons."""
    with tempfile.TemporaryDirectory() as folder:
        async with shipped.CountingTelegram() as tg:
            process = start_bot(kind, tg, Path(folder), dialogues=ROOT / "dialogues", pacing_ms=args.pacing_ms)
            try:
                await started(tg, process)
                people = [tg.person(user_id=200_000 + n, language_code="en") for n in range(args.people)]
                cpu_before = cpu_seconds(process.pid)
                tally, calls = await shipped.run(tg, people, args.seed)
                return shipped.figures(tally, calls, cpu_seconds(process.pid) - cpu_before, peak_memory_mb(process.pid))
            except Exception:
                print((Path(folder) / f"{kind}.log").read_text()[-3000:], file=sys.stderr)
                raise
            finally:
                await stop(process)


async def started(tg: FakeTelegram, process: subprocess.Popen[bytes]) -> None:
    """Until the bot polls or has set its webhook (or a clear error if it exits or takes over 20 s)."""
    deadline = time.monotonic() + 20
    while not tg.polled and tg.webhook is None:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not start (exit code {process.poll()}); see its log")
        await asyncio.sleep(0.05)


async def measure(
    tg: WatchedTelegram, process: subprocess.Popen[bytes], args: argparse.Namespace, kind: str
) -> dict[str, float]:
    await started(tg, process)
    rng = random.Random(args.seed)
    walkers = [
        Walker(tg, tg.person(user_id=100_000 + n, language_code="en"), random.Random(rng.random()))
        for n in range(args.people)
    ]
    if kind == "goodwork":  # a newcomer chooses a language before a link opens anything
        await asyncio.gather(*(chose_english(w.person) for w in walkers))
    await run_phase(walkers, 0.0, 0.0, process.pid)  # one round each: everyone has started once
    paced = await run_phase(walkers, args.pause, args.seconds, process.pid)
    burst = await run_phase(walkers, 0.0, args.burst_seconds, process.pid)
    return summary(paced, burst, peak_memory_mb(process.pid))


def summary(paced: Phase, burst: Phase, memory: float) -> dict[str, float]:
    latencies = sorted(paced.latencies) or [float("nan")]
    return {
        "paced actions": paced.actions,
        "p50 ms": 1000 * statistics.median(latencies),
        "p95 ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "burst actions/s": burst.actions / burst.seconds if burst.seconds else float("nan"),
        "CPU ms/action": 1000 * burst.cpu / burst.actions if burst.actions else float("nan"),
        "peak memory MB": memory,
        "failures": paced.failures + burst.failures,
    }


async def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM and wait, without blocking the loop: the fake server must answer the bot's last calls."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        while process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    if process.poll() is None:
        process.kill()
        process.wait()


def report(args: argparse.Namespace, ours: dict[str, float], base: dict[str, float]) -> None:
    phases = f"paced {args.seconds:g} s, burst {args.burst_seconds:g} s"
    print(f"bot: {args.people} people, pause {args.pause:g} s, {phases}, pacing off")
    print(f"  {'':<18}{'goodwork':>12}{'baseline':>12}{'ratio':>8}")
    for name, value in ours.items():
        ratio = value / base[name] if base[name] else float("nan")
        print(f"  {name:<18}{value:>12,.1f}{base[name]:>12,.1f}{ratio:>8.2f}")
    cpu_ok = ours["CPU ms/action"] <= 2 / 3 * base["CPU ms/action"]
    print(
        f"  aims: CPU/action <= 2/3 of the baseline's: {'met' if cpu_ok else 'NOT met'}; "
        f"p95 < 100 ms: {'met' if ours['p95 ms'] < 100 else 'NOT met'} "
        "(goodwork commits every step to SQLite; the baseline pickles its state once a minute)"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=200, choices=range(1, 2001), metavar="N")
    parser.add_argument("--pause", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the paced phase (at most 120)")
    parser.add_argument("--burst-seconds", type=float, default=8.0, help="length of the burst phase (at most 60)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--run",
        choices=("both", "bench", "shipped", "webhook"),
        default="both",
        help="which runs (default both); webhook: the shipped run of goodwork by webhook next to goodwork polling",
    )
    parser.add_argument("--pacing-ms", type=int, default=400, help="goodwork's pacing in the shipped run (default 400)")
    args = parser.parse_args(argv)
    args.seconds, args.burst_seconds = min(args.seconds, 120.0), min(args.burst_seconds, 60.0)
    machine.speed()
    if args.run in ("both", "bench"):
        ours = asyncio.run(bench("goodwork", args))
        base = asyncio.run(bench("baseline", args))
        report(args, ours, base)
    if args.run in ("both", "shipped"):
        ours = asyncio.run(bench_shipped("goodwork", args))
        base = asyncio.run(bench_shipped("baseline", args))
        report_shipped(args, ours, base)
    if args.run == "webhook":
        hooked = asyncio.run(bench_shipped("goodwork-webhook", args))
        polled = asyncio.run(bench_shipped("goodwork", args))
        report_webhook(args, hooked, polled)


def report_shipped(args: argparse.Namespace, ours: dict[str, float], base: dict[str, float]) -> None:
    print(
        f"shipped content: {args.people} people start at once, {shipped.ACTIONS} actions each (the first button, "
        f"else a reflection after {shipped.QUIET:g} s of quiet), goodwork pacing {args.pacing_ms} ms"
    )
    print(f"  {'':<28}{'goodwork':>10}{'baseline':>10}{'ratio':>8}")
    for name in [*ours, *(name for name in base if name not in ours)]:
        mine, theirs = ours.get(name, 0.0), base.get(name, 0.0)
        ratio = f"{mine / theirs:>8.2f}" if theirs else f"{'':>8}"
        print(f"  {name:<28}{mine:>10,.2f}{theirs:>10,.2f}{ratio}")
    cpu, p95 = ours["CPU ms/action"] / base["CPU ms/action"], ours["p95 ms"] / base["p95 ms"]
    print(
        f"  aims: CPU/action <= 0.4 of the baseline's: {'met' if cpu <= 0.4 else 'NOT met'} ({cpu:.2f}); "
        f"p95 <= half the baseline's: {'met' if p95 <= 0.5 else 'NOT met'} ({p95:.2f})"
    )


def report_webhook(args: argparse.Namespace, hooked: dict[str, float], polled: dict[str, float]) -> None:
    """goodwork by webhook (each update sealed into the inbox before its 200) next to goodwork polling."""
    print(
        f"shipped content by webhook: {args.people} people as in the shipped run; the fake posts updates as "
        "Telegram does (40 at once at most, one chat's in order)"
    )
    print(f"  {'':<28}{'webhook':>10}{'polling':>10}{'ratio':>8}")
    for name, theirs in polled.items():
        mine = hooked.get(name, 0.0)
        ratio = f"{mine / theirs:>8.2f}" if theirs else f"{'':>8}"
        print(f"  {name:<28}{mine:>10,.2f}{theirs:>10,.2f}{ratio}")


if __name__ == "__main__":
    main()
