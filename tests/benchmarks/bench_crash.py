"""kill -9 during use: what people see, what the database keeps, and what its files give away.

    python tests/benchmarks/bench_crash.py [--people 50] [--kills 10] [--seconds 40] [--seed 1]

The bot runs as its own process (``python -m bot run``, SQLite in a temporary
folder, pacing off) against the fake Bot API server living in this process, so
updates outlive the bot: the fake hands an update out again until the bot
confirms a later offset, as Telegram does. People walk ``data/bench.yaml`` again
and again (``/start bench``, press, write, press, write), pausing ``--pause`` s
between actions, while the bot is killed with SIGKILL ``--kills`` times at random
moments and started again at once.

A person who acted waits for the bubble that completes the reply (``[Qn]`` or
``[END]``). One that has not come ``--patience`` s after the action, or after the
restart that followed it, leaves the person waiting; they carry on with
``/start bench``, which shows where the bot has them. That question, and at the
end the conversation read from the store, are compared with the answers the
person gave: an answer the bot acknowledged (it replied, or confirmed the update)
that is missing is *lost*; a conversation further along than the answers given
is a step *applied twice*. Where the bot sent some other message instead of the
awaited one (an apology, a welcome, a notice), the person was told something,
just not the next question: those are counted apart.

After a last SIGKILL the database, its ``-wal`` and its ``-shm`` are searched for
every person's Telegram id (tests/telegram/idscan.py). Printed: actions, kills,
people left waiting, answers lost, steps applied twice, ids found (per file),
and the time from each restart until the bot polls and until it answers again.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from bench_bot import MARKS, WORDS, WatchedTelegram, chose_english, mark_of  # noqa: E402  (bench_bot puts tests/telegram on the path)
from fakeapi import Call, FakeTelegram  # noqa: E402
from idscan import database_files, hits  # noqa: E402
from person import Person  # noqa: E402

import bot  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.dialogue.model import DialogueId, NodeId, OptionId  # noqa: E402
from bot.dialogue.state import Step  # noqa: E402
from bot.store import Keys, open_store  # noqa: E402
from bot.store.protocol import Saved  # noqa: E402

SECRET = "bench-crash-secret-" + "c" * 32
DIALOGUE = DialogueId("bench")
QUESTIONS = (NodeId("first"), NodeId("why"), NodeId("second"), NodeId("own"))  # behind [Q1]..[Q4]
END = len(QUESTIONS)  # the index of "[END]" in MARKS
FIRST_ID = 7_000_000_000  # Telegram ids from here on: ten digits, so idscan finds no chance matches
ID_STRIDE = 1_000_003


def option_ids() -> dict[str, str]:
    """Button label -> option id, read from data/bench.yaml."""
    nodes = yaml.safe_load((HERE / "data" / "bench.yaml").read_text())["nodes"]
    return {o["label"]["en"]: o["id"] for node in nodes.values() for o in node.get("options", ())}


LABELS = option_ids()


# -- the fake server, watched -----------------------------------------------------------------------


@dataclass(frozen=True)
class Bubble:
    """One message the bot sent: when it arrived, its mark ("[Q1]" .. "[END]", or None), its message id."""

    at: float
    mark: str | None
    message_id: int


class MarkedTelegram(WatchedTelegram):
    """bench_bot's fake server that also keeps, per chat, every bubble the bot sent, for waiters to read."""

    def __init__(self) -> None:
        super().__init__()
        self.bubbles: defaultdict[int, list[Bubble]] = defaultdict(list)
        self._news: dict[int, asyncio.Event] = {}

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._arrived(super()._send_message(params))

    def _send_file(self, params: dict[str, Any], kind: str) -> dict[str, Any]:
        return self._arrived(super()._send_file(params, kind))

    def _arrived(self, sent: dict[str, Any]) -> dict[str, Any]:
        chat = int(sent["chat"]["id"])
        text = str(sent.get("text", sent.get("caption", "")))
        mark = mark_of(text)
        self.bubbles[chat].append(Bubble(time.monotonic(), mark, int(sent["message_id"])))
        news = self._news.pop(chat, None)
        if news is not None:
            news.set()
        return sent

    async def bubble(
        self, chat: int, since: int, wanted: Callable[[Bubble], bool], deadline: Callable[[], float]
    ) -> Bubble | None:
        """The first bubble from index ``since`` on that ``wanted`` accepts; None once ``deadline()`` (read
        again on every wake-up, so it may move) has passed."""
        while True:
            found = next((bubble for bubble in self.bubbles[chat][since:] if wanted(bubble)), None)
            left = deadline() - time.monotonic()
            if found is not None or left <= 0:
                return found
            news = self._news.setdefault(chat, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(news.wait(), min(left, 0.5))


# -- the bot as a child process -----------------------------------------------------------------------


def bot_env(tg: FakeTelegram, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of ``python -m bot run`` in ``folder``, with data/bench.yaml as its one dialogue."""
    (folder / "dialogues").mkdir(exist_ok=True)
    (folder / "dialogues" / "bench.yaml").write_bytes((HERE / "data" / "bench.yaml").read_bytes())
    return {
        **os.environ,
        "PYTHONPATH": str(Path(bot.__file__).parents[1]),  # the bot this script reads the store with
        "PTB_TIMEDELTA": "true",
        "GOODWORK_TOKEN": tg.token,
        "GOODWORK_API_URL": tg.api_url,
        "GOODWORK_DB": str(folder / "bench.sqlite3"),
        "GOODWORK_SECRET": SECRET,
        "GOODWORK_DIALOGUES": str(folder / "dialogues"),
        "GOODWORK_PACING_MS": "0",
        **extra,
    }


@dataclass(frozen=True)
class Start:
    at: float
    calls: int  # how many calls the fake had recorded by then


@dataclass
class BotProcess:
    """``python -m bot run`` as a child process that can be killed and started again; its stderr goes
    to ``bot.log`` in its folder."""

    tg: FakeTelegram
    env: dict[str, str]
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    starts: list[Start] = field(default_factory=list)
    command: list[str] = field(default_factory=lambda: [sys.executable, "-m", "bot", "run"])

    def start(self) -> None:
        with (self.folder / "bot.log").open("ab") as log:  # the child keeps its own handle
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
                cwd=self.folder,
            )
        self.starts.append(Start(time.monotonic(), len(self.tg.calls)))

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def last_start(self) -> float:
        return self.starts[-1].at if self.starts else 0.0

    async def back(self, timeout: float = 30.0) -> float:
        """Wait until the bot polls after its last start; the seconds that took."""
        start = self.starts[-1]
        deadline = time.monotonic() + timeout
        while (polled := first_call(self.tg, "getUpdates", start)) is None:
            if self.process is None or self.process.poll() is not None or time.monotonic() > deadline:
                code = None if self.process is None else self.process.poll()
                raise RuntimeError(f"the bot did not start polling (exit code {code}):\n{self.log_tail()}")
            await asyncio.sleep(0.02)
        return polled.at - start.at

    async def kill(self) -> None:
        """SIGKILL, and wait (without blocking the loop: the fake must keep serving) until it is gone."""
        await self._end(signal.SIGKILL, 10.0)

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM; SIGKILL if it has not ended after ``grace`` seconds."""
        await self._end(signal.SIGTERM, grace)
        await self.kill()

    async def _end(self, signum: int, grace: float) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signum)
        deadline = time.monotonic() + grace
        while process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    def log_tail(self, size: int = 3000) -> str:
        log = self.folder / "bot.log"
        return log.read_text(errors="replace")[-size:] if log.exists() else ""


def first_call(tg: FakeTelegram, method: str, start: Start) -> Call | None:
    """The first call of ``method`` the fake received after ``start``."""
    return next((call for call in tg.calls[start.calls :] if call.method == method), None)


# -- people --------------------------------------------------------------------------------------------


@dataclass
class Answer:
    """One answer a person gave; ``step`` is None where only the bot's word says one was there."""

    step: Step | None
    update_id: int
    acknowledged: bool = False
    told: bool = False  # the bot answered it with something other than the next question


@dataclass
class Tally:
    actions: int = 0
    left_waiting: int = 0  # actions whose reply never came
    waiting_told: int = 0  # ... of which the bot said something else instead
    waiting_people: set[int] = field(default_factory=set)
    acknowledged: int = 0  # answers the bot replied to, or whose update it confirmed
    lost: int = 0
    lost_told: int = 0  # ... of which the bot said something else instead of the next question
    twice: int = 0


@dataclass
class CrashWalker:
    """One person walking data/bench.yaml, keeping the answers of the current round and what became of them."""

    tg: MarkedTelegram
    person: Person
    rng: random.Random
    bot: BotProcess
    tally: Tally
    patience: float
    at: int | None = None  # the question shown last (0-3 for [Q1]-[Q4], END for [END]); None: not known
    shown: int = 0  # the message id of that question
    answers: list[Answer] = field(default_factory=list)

    async def act(self) -> None:
        self.tally.actions += 1
        if self.at is None or self.at == END:
            await self._start()
        else:
            await self._answer(self.at)

    async def _start(self) -> None:
        """/start bench: the bot shows the question it has this person at."""
        bubble, told = await self._push_and_wait(lambda: self.person.send("/start bench").update_id, MARKS[:END])
        if bubble is None or bubble.mark is None:
            return self._left_waiting(told)
        self._resume(MARKS.index(bubble.mark), bubble)

    async def _answer(self, at: int) -> None:
        answer = Answer(None, 0)
        self.answers.append(answer)

        def push() -> int:
            answer.step, answer.update_id = self._push_answer(at)
            return answer.update_id

        bubble, answer.told = await self._push_and_wait(push, (MARKS[at + 1],))
        if bubble is None:
            answer.acknowledged = self.tg.acknowledged(answer.update_id)
            self.tally.acknowledged += answer.acknowledged
            return self._left_waiting(answer.told)
        answer.acknowledged = True
        self.tally.acknowledged += 1
        self.at, self.shown = at + 1, bubble.message_id

    def _push_answer(self, at: int) -> tuple[Step, int]:
        node = QUESTIONS[at]
        if at % 2:  # a reflection
            text = " ".join(self.rng.choices(WORDS, k=self.rng.randint(5, 40)))
            return Step(node, None), self.person.send(text).update_id
        message = next((m for m in reversed(self.person.messages) if m.message_id == self.shown and m.buttons), None)
        message = message or next(m for m in reversed(self.person.messages) if m.buttons)
        label = self.rng.choice(message.buttons)
        button = message.button(label)
        assert button is not None
        pushed = self.person.press_data(str(button["callback_data"]), message.message_id)
        option = LABELS.get(label)
        return Step(node, OptionId(option) if option else None), pushed.update_id

    async def _push_and_wait(self, push: Callable[[], int], marks: Sequence[str]) -> tuple[Bubble | None, bool]:
        """Do the action; the bubble with one of ``marks`` that answers it, or None if it never came
        within ``patience`` seconds of the action or of the restart that followed it; and whether the
        bot sent anything else meanwhile."""
        chat = self.person.chat_id
        since, acted = len(self.tg.bubbles[chat]), time.monotonic()
        push()
        bubble = await self.tg.bubble(
            chat, since, lambda b: b.mark in marks, lambda: max(acted, self.bot.last_start) + self.patience
        )
        return bubble, bubble is None and len(self.tg.bubbles[chat]) > since

    def _left_waiting(self, told: bool) -> None:
        self.tally.left_waiting += 1
        self.tally.waiting_told += told
        self.tally.waiting_people.add(self.person.user_id)
        self.at = None

    def _resume(self, shown: int, bubble: Bubble) -> None:
        """The bot showed question ``shown``, so it holds ``shown`` answers of this round: compare."""
        if shown == 0 and len(self.answers) == END:  # the round was complete: a new one begins
            self.answers = []
        else:
            self._compare([None] * shown)
            self.answers = self.answers[:shown] + [Answer(None, 0) for _ in range(shown - len(self.answers))]
            for answer in self.answers:
                answer.acknowledged = True
        self.at, self.shown = shown, bubble.message_id

    def check(self, saved: Saved | None) -> None:
        """At the end: compare the stored conversation with this round's answers."""
        path = saved.state.path if saved is not None else ()
        if not path and len(self.answers) == END:
            return  # the /start of a new round was the last thing applied
        self._compare(path)

    def _compare(self, held: Sequence[Step | None]) -> None:
        """Acknowledged answers missing from ``held`` are lost; steps beyond the answers given were applied
        twice. (None in ``held``: a step the bot reports without saying which.)"""
        lost = [
            answer
            for index, answer in enumerate(self.answers)
            if answer.acknowledged and (index >= len(held) or _differ(held[index], answer.step))
        ]
        self.tally.lost += len(lost)
        self.tally.lost_told += sum(answer.told for answer in lost)
        self.tally.twice += max(0, len(held) - len(self.answers))


def _differ(held: Step | None, given: Step | None) -> bool:
    return held is not None and given is not None and held != given


# -- the run -------------------------------------------------------------------------------------------


@dataclass
class Figures:
    tally: Tally
    people: int
    kills: int
    found: dict[str, set[int]]  # database file name -> the Telegram ids found in it
    polls: list[float]  # seconds from each restart until the bot polled again
    answers: list[float]  # seconds from each restart until it sent a message again


async def walk(walker: CrashWalker, pause: float, until: float) -> None:
    await asyncio.sleep(walker.rng.uniform(0, pause))  # spread the starts
    while time.monotonic() < until:
        await walker.act()
        await asyncio.sleep(walker.rng.uniform(0.5 * pause, 1.5 * pause))


async def kill_at_random(bot: BotProcess, rng: random.Random, kills: int, seconds: float) -> None:
    """SIGKILL the bot at ``kills`` random moments within ``seconds`` and start it again at once; a moment
    that comes while the bot is still starting waits until it polls."""
    started = time.monotonic()
    for moment in sorted(rng.uniform(0.05, 0.95) * seconds for _ in range(kills)):
        await asyncio.sleep(max(0.0, started + moment - time.monotonic()))
        await bot.back()
        await bot.kill()
        bot.start()


async def measure(tg: MarkedTelegram, bot: BotProcess, args: argparse.Namespace) -> Figures:
    await bot.back()
    rng = random.Random(args.seed)
    tally = Tally()
    walkers = [
        CrashWalker(
            tg,
            tg.person(FIRST_ID + n * ID_STRIDE, language_code="en"),
            random.Random(rng.random()),
            bot,
            tally,
            args.patience,
        )
        for n in range(args.people)
    ]
    await asyncio.gather(*(chose_english(w.person, args.patience) for w in walkers))  # newcomers choose first
    until = time.monotonic() + args.seconds
    await asyncio.gather(
        kill_at_random(bot, rng, args.kills, args.seconds), *(walk(w, args.pause, until) for w in walkers)
    )
    with contextlib.suppress(TimeoutError):  # let the bot finish what it has, then kill it once more
        await tg.settled(timeout=args.patience)
    await bot.kill()
    ids = [walker.person.user_id for walker in walkers]
    found = scan(Path(bot.env["GOODWORK_DB"]), ids)
    await check_store(bot.env, walkers)
    polls, answers = recovery(tg, bot.starts[1:])
    return Figures(tally, args.people, len(bot.starts) - 1, found, polls, answers)


def scan(database: Path, telegram_ids: Sequence[int]) -> dict[str, set[int]]:
    """Per database file (the database, -wal, -shm), the Telegram ids found in its raw bytes."""
    paths = database_files(database)
    found: dict[str, set[int]] = {path.name: set() for path in paths}
    for name, telegram_id in hits(paths, telegram_ids):
        found[name].add(telegram_id)
    return found


async def check_store(env: dict[str, str], walkers: Sequence[CrashWalker]) -> None:
    """Read each person's conversation from the store (with the bot's secret) and compare it with their answers."""
    keys = Keys(SECRET)
    store = await open_store(Settings.from_env(env), keys, migrate=False)
    try:
        for walker in walkers:
            walker.check(await store.load_state(keys.telegram(walker.person.user_id).person, DIALOGUE))
    finally:
        await store.close()


def recovery(tg: FakeTelegram, restarts: Sequence[Start]) -> tuple[list[float], list[float]]:
    """Seconds from each restart until the bot polled, and until it sent a message."""
    polls, answers = [], []
    for start in restarts:
        polled, answered = first_call(tg, "getUpdates", start), first_call(tg, "sendMessage", start)
        if polled is not None:
            polls.append(polled.at - start.at)
        if answered is not None:
            answers.append(answered.at - start.at)
    return polls, answers


@contextlib.asynccontextmanager
async def bot_running(grace: float = 10.0, **extra: str) -> AsyncIterator[tuple[MarkedTelegram, BotProcess]]:
    """The fake server and the bot as its own process, in a fresh folder; its log is printed if the work fails."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        async with MarkedTelegram() as tg:
            bot = BotProcess(tg, bot_env(tg, folder, **extra), folder)
            bot.start()
            try:
                yield tg, bot
            except Exception:
                print(bot.log_tail(), file=sys.stderr)
                raise
            finally:
                await bot.stop(grace=grace)


async def bench(args: argparse.Namespace) -> Figures:
    async with bot_running() as (tg, bot):
        return await measure(tg, bot, args)


def spread(seconds: Sequence[float]) -> str:
    if not seconds:
        return "none measured"
    return f"median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s ({len(seconds)} restarts)"


def told(count: int) -> str:
    """How many of the actions counted got another message from the bot instead of the one awaited."""
    return f", {count} told something else instead" if count else ""


def report(args: argparse.Namespace, figures: Figures) -> None:
    tally = figures.tally
    print(
        f"crash: {figures.people} people, {figures.kills} kills (SIGKILL) over {args.seconds:g} s, "
        f"pause {0.5 * args.pause:g}-{1.5 * args.pause:g} s; a reply is awaited {args.patience:g} s "
        "after the action or after the restart that followed it"
    )
    people = set().union(*figures.found.values())
    rows = [
        ("actions (steps) in all", f"{tally.actions:,}"),
        ("kills", f"{figures.kills}"),
        (
            "people left waiting",
            f"{len(tally.waiting_people)} ({tally.left_waiting} actions{told(tally.waiting_told)})",
        ),
        ("answers acknowledged", f"{tally.acknowledged:,}"),
        ("answers lost", f"{tally.lost}" + (f" ({tally.lost_told} told something else)" if tally.lost_told else "")),
        ("steps applied twice", f"{tally.twice}"),
        ("people whose id is in the files", f"{len(people)} of {figures.people}"),
        *((f"  in {name}", f"{len(ids)}") for name, ids in figures.found.items()),
        ("recovery: polling again", spread(figures.polls)),
        ("recovery: answering again", spread(figures.answers)),
    ]
    for label, value in rows:
        print(f"  {label:<34}{value}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=50, choices=range(1, 1001), metavar="N")
    parser.add_argument("--kills", type=int, default=10, choices=range(101), metavar="N")
    parser.add_argument("--seconds", type=float, default=40.0, help="how long people walk (at most 300)")
    parser.add_argument("--pause", type=float, default=1.0, help="mean pause between one person's actions")
    parser.add_argument("--patience", type=float, default=10.0, help="how long a person waits for a reply")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    args.seconds, args.patience = min(args.seconds, 300.0), min(args.patience, 60.0)
    report(args, asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
