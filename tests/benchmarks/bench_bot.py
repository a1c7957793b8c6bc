"""The bot under load: simulated people walking a dialogue against the fake Telegram server.

    python tests/benchmarks/bench_bot.py [--people 200] [--pause 2] [--seconds 15] [--burst-seconds 8]
                                         [--store sqlite|postgres] [--postgres URL]

Two bots run in turn as their own processes against the fake Bot API server
(tests/telegram/fakeapi.py), with pacing off (``GOODWORK_PACING_MS=0``):

- ``goodwork run`` on ``data/bench.yaml``, committing every step to SQLite, or with
  ``--store postgres`` to a fresh schema on the PostgreSQL server ``--postgres`` names
  (created before each of goodwork's runs, dropped after it);
- ``baseline_bot.py``: the same dialogue shape written like python-telegram-bot's
  examples (ConversationHandler + PicklePersistence).

For each: a paced phase (every person pauses ``--pause`` s between actions; p50/p95
latency from an action to the bubble that completes the reply) and a burst phase
(no pauses: actions per second and the bot process's CPU milliseconds per
action), then the bot's peak memory. Figures are printed side by side with the
ratio; the aims (CPU <= 2/3 of the baseline's, p95 < 100 ms) are reported, never enforced.

With PostgreSQL part of the work is done by the server's processes: when they run
on this machine, their CPU (every process named ``postgres``, whoever's client it
serves) is measured over the same span as the bot's and shown per action and added
to the bot's; the aims then take the sum. Of it, the backends serving the bot's own
connections are shown apart (the rest: the server's housekeeping, WAL writing, and
any other client's work on a shared server). Measured during the baseline's run too,
the server's CPU per second shows its background.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
T = TypeVar("T")
STORES = ("sqlite", "postgres")
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"  # when neither --postgres nor GOODWORK_TEST_POSTGRES names one
SERVER_CPU = "PG CPU ms/action"
BACKENDS_CPU = "  bot's backends"
TOTAL_CPU = "bot+PG CPU ms/action"


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
    server_cpu: Spent | None = None  # the PostgreSQL server's, when measured


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


async def run_phase(
    walkers: list[Walker], pause: float, seconds: float, pid: int, *, server: Database | None = None
) -> Phase:
    """One phase; the CPU of process ``pid`` meanwhile (with ``server``, the PostgreSQL server's processes' too)."""
    phase = Phase()
    clock = ServerClock(server) if server is not None else None
    cpu_before, started = cpu_seconds(pid), time.monotonic()
    await asyncio.gather(*(walk(w, phase, pause, started + seconds) for w in walkers))
    phase.seconds, phase.cpu = time.monotonic() - started, cpu_seconds(pid) - cpu_before
    phase.server_cpu = await clock.read() if clock is not None else None
    return phase


def cpu_seconds(pid: int) -> float:
    return cpu_ticks(pid) / TICKS


def cpu_ticks(pid: int) -> int:
    """The user and system CPU clock ticks process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def postgres_ticks() -> dict[int, int]:
    """The CPU clock ticks used so far by each process of this machine whose name is ``postgres``."""
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "postgres":
                ticks[int(entry.name)] = cpu_ticks(int(entry.name))
        except OSError:  # it ended meanwhile
            continue
    return ticks


@dataclass
class Spent:
    """CPU seconds of the PostgreSQL server over a span: all its processes' (whoever's client they serve, and its
    own housekeeping), and of them the backends serving the bot's connections."""

    server: float
    bot_backends: float


@dataclass
class Database:
    """What goodwork keeps its state in during a run: ``GOODWORK_DB``; with PostgreSQL, the server's URL and the
    run's schema, which also names the bot's instance, so that its connections can be told apart on the server
    (their ``application_name`` is "goodwork <instance>")."""

    db: str
    server: str = ""
    schema: str = ""

    def env(self) -> dict[str, str]:
        return {"GOODWORK_DB": self.db, **({"GOODWORK_INSTANCE": self.schema} if self.schema else {})}

    async def backends(self) -> set[int]:
        """The server's processes serving the bot's connections now (none without a schema: not the bot's server)."""
        if not self.schema:
            return set()
        async with connected(self.server, "read pg_stat_activity on") as connection:
            rows = await connection.fetch(
                "SELECT pid FROM pg_stat_activity WHERE application_name = $1", f"goodwork {self.schema}"
            )
        return {int(row["pid"]) for row in rows}


class ServerClock:
    """The PostgreSQL server's CPU from when this is made to ``read``: a process started since counts whole, one
    that has ended since is left out (what it used in between is gone with it; the bot's connections live
    throughout)."""

    def __init__(self, database: Database) -> None:
        self.database, self.before = database, postgres_ticks()

    async def read(self) -> Spent:
        spent = {pid: ticks - self.before.get(pid, 0) for pid, ticks in postgres_ticks().items()}
        mine = await self.database.backends()  # after the ticks: this query's own backend is not among them
        return Spent(sum(spent.values()) / TICKS, sum(spent.get(pid, 0) for pid in mine) / TICKS)


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_bot(
    kind: str,
    tg: FakeTelegram,
    folder: Path,
    *,
    dialogues: Path | None = None,
    pacing_ms: int = 0,
    db: Database | None = None,
) -> subprocess.Popen[bytes]:
    """The bot as its own process: goodwork on ``dialogues`` (default: data/bench.yaml alone) and ``db`` (default: a
    SQLite file in ``folder``), by long polling or (``goodwork-webhook``) by webhook, the fake posting each update
    to it; or the baseline."""
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
            **(db or Database(str(folder / "bench.sqlite3"))).env(),
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


class UnreachableError(Exception):
    """The PostgreSQL server cannot be reached (or a schema of this run cannot be created or dropped there)."""


def shown(url: str) -> str:
    """The server and database of a PostgreSQL URL, without user, password or query, as it may be printed."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"


def in_schema(url: str, schema: str) -> str:
    """``url`` with its ``search_path`` (if any) replaced by ``schema``: what ``GOODWORK_DB`` takes to use it."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "search_path"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("search_path", schema)])))


@asynccontextmanager
async def connected(url: str, doing: str) -> AsyncIterator[Any]:
    """A connection of its own to the server ``url`` names; ``UnreachableError`` (saying what it was for) if it
    cannot be had or what is done on it fails."""
    import asyncpg  # only when PostgreSQL is used: other benchmarks import this file

    try:
        connection = await asyncpg.connect(url, timeout=10)
        try:
            yield connection
        finally:
            await connection.close()
    except (OSError, TimeoutError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise UnreachableError(f"bench_bot: cannot {doing} PostgreSQL at {shown(url)} ({reason})") from None


async def on_server(url: str, sql: str, doing: str) -> None:
    """``sql`` done on the server ``url`` names; ``UnreachableError`` if it fails."""
    async with connected(url, doing) as connection:
        await connection.execute(sql, timeout=60)


def server_is_here(pid: int) -> bool:
    """Whether process ``pid`` of the server (a backend's own, as it tells) is a process of this machine."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "postgres"
    except OSError:
        return False


async def probe(url: str) -> bool:
    """Whether the server's processes are on this machine (their CPU can then be read); ``UnreachableError`` if the
    server cannot be reached."""
    async with connected(url, "connect to") as connection:
        return server_is_here(int(await connection.fetchval("SELECT pg_backend_pid()")))  # while it lives


@asynccontextmanager
async def goodwork_db(kind: str, args: argparse.Namespace, folder: Path) -> AsyncIterator[Database]:
    """What goodwork keeps its state in for a run of ``kind``: a SQLite file in ``folder``, or (goodwork with
    ``--store postgres``) a fresh schema on the server, dropped with everything in it afterwards, whatever happens."""
    if args.store == "sqlite" or not kind.startswith("goodwork"):
        yield Database(str(folder / "bench.sqlite3"))
        return
    schema = f"goodwork_bench_{secrets.token_hex(6)}"
    await on_server(args.postgres, f"CREATE SCHEMA {schema}", f"create schema {schema} on")
    try:
        yield Database(in_schema(args.postgres, schema), args.postgres, schema)
    finally:
        dropping = f"drop schema {schema} (drop it by hand) on"
        await on_server(args.postgres, f"DROP SCHEMA IF EXISTS {schema} CASCADE", dropping)


def measures_server(args: argparse.Namespace) -> bool:
    """Whether the PostgreSQL server's CPU is measured: goodwork uses it, and it runs on this machine."""
    return args.store == "postgres" and bool(args.server_here)


def with_server(
    figures: dict[str, float], server: Spent | None, seconds: float, actions: int, *, uses: bool
) -> dict[str, float]:
    """``figures`` with the PostgreSQL server's CPU (spent over ``seconds``, unless not measured) after the bot's
    own: per action, of it the bot's backends', and added to the bot's (for a bot that does not use the server:
    none, and the bot's own); and per second (for a bot that does not use it, the server's background)."""
    if server is None:
        return figures
    per = 1000 / max(actions, 1) if uses else 0.0
    rows = {
        SERVER_CPU: server.server * per,
        BACKENDS_CPU: server.bot_backends * per,
        TOTAL_CPU: figures["CPU ms/action"] + server.server * per,
        "PG CPU ms/s": 1000 * server.server / seconds if seconds else float("nan"),
    }
    joined: dict[str, float] = {}
    for name, value in figures.items():
        joined |= {name: value, **(rows if name == "CPU ms/action" else {})}
    return joined


def all_cpu(figures: dict[str, float]) -> float:
    """CPU per action of the bot and, when measured, the PostgreSQL server's for it: what the aims compare."""
    return figures.get(TOTAL_CPU, figures["CPU ms/action"])


def store_line(args: argparse.Namespace) -> str:
    """Which store goodwork used, for the reader of the figures."""
    if args.store == "sqlite":
        return "goodwork's store: SQLite (a file, in the bot's own process: its CPU is in the bot's)"
    measured = (
        f"the server's processes' CPU (all of them, any client's) in {SERVER_CPU} (of it, the backends of "
        f"goodwork's connections: {BACKENDS_CPU.strip()}), added in {TOTAL_CPU}"
        if args.server_here
        else "the server's CPU NOT measured (its processes are not on this machine)"
    )
    return f"goodwork's store: PostgreSQL at {shown(args.postgres)}, a fresh schema per run; {measured}"


async def bench(kind: str, args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        async with goodwork_db(kind, args, Path(folder)) as db, WatchedTelegram() as tg:
            process = start_bot(kind, tg, Path(folder), db=db)
            try:
                return await measure(tg, process, args, kind, db)
            except Exception:
                print((Path(folder) / f"{kind}.log").read_text()[-3000:], file=sys.stderr)
                raise
            finally:
                await stop(process)


async def bench_shipped(kind: str, args: argparse.Namespace) -> dict[str, float]:
    """One bot on what it ships (goodwork: onboarding, then the introduction), walked by first buttons."""
    with tempfile.TemporaryDirectory() as folder:
        async with goodwork_db(kind, args, Path(folder)) as db, shipped.CountingTelegram() as tg:
            process = start_bot(kind, tg, Path(folder), dialogues=ROOT / "dialogues", pacing_ms=args.pacing_ms, db=db)
            try:
                await started(tg, process)
                people = [tg.person(user_id=200_000 + n, language_code="en") for n in range(args.people)]
                clock = ServerClock(db) if measures_server(args) else None
                cpu_before, began = cpu_seconds(process.pid), time.monotonic()
                tally, calls = await shipped.run(tg, people, args.seed)
                cpu, seconds = cpu_seconds(process.pid) - cpu_before, time.monotonic() - began
                server = await clock.read() if clock is not None else None
                figures = shipped.figures(tally, calls, cpu, peak_memory_mb(process.pid))
                return with_server(figures, server, seconds, tally.actions, uses=kind.startswith("goodwork"))
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
    tg: WatchedTelegram, process: subprocess.Popen[bytes], args: argparse.Namespace, kind: str, db: Database
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
    burst = await run_phase(walkers, 0.0, args.burst_seconds, process.pid, server=db if measures_server(args) else None)
    figures = summary(paced, burst, peak_memory_mb(process.pid))
    uses = kind.startswith("goodwork")
    return with_server(figures, burst.server_cpu, burst.seconds, burst.actions, uses=uses)


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
    print(f"  {store_line(args)}")
    label = f"goodwork/{args.store}"
    print(f"  {'':<22}{label:>18}{'baseline':>12}{'ratio':>8}")
    for name, value in ours.items():
        ratio = value / base[name] if base[name] else float("nan")
        print(f"  {name:<22}{value:>18,.1f}{base[name]:>12,.1f}{ratio:>8.2f}")
    cpu_ok = all_cpu(ours) <= 2 / 3 * all_cpu(base)
    print(
        f"  aims: {'bot+PG ' if TOTAL_CPU in ours else ''}CPU/action <= 2/3 of the baseline's: "
        f"{'met' if cpu_ok else 'NOT met'}; p95 < 100 ms: {'met' if ours['p95 ms'] < 100 else 'NOT met'} "
        f"(goodwork commits every step to {'SQLite' if args.store == 'sqlite' else 'PostgreSQL'}; "
        "the baseline pickles its state once a minute)"
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
    parser.add_argument(
        "--store", choices=STORES, default="sqlite", help="where goodwork keeps its state in every run (default sqlite)"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("GOODWORK_TEST_POSTGRES") or POSTGRES,
        help="with --store postgres, the server goodwork gets a fresh schema on for each run "
        f"(default: GOODWORK_TEST_POSTGRES, else {POSTGRES})",
    )
    args = parser.parse_args(argv)
    args.seconds, args.burst_seconds = min(args.seconds, 120.0), min(args.burst_seconds, 60.0)
    if args.store == "postgres" and not args.postgres.startswith(("postgresql://", "postgres://")):
        parser.error(f"--postgres: not a postgresql:// URL: {args.postgres!r}")
    try:
        args.server_here = args.store == "postgres" and asyncio.run(probe(args.postgres))
        run(args)
    except UnreachableError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    except asyncio.CancelledError:
        print("bench_bot: stopped by SIGTERM", file=sys.stderr)
        raise SystemExit(128 + signal.SIGTERM) from None


def until_sigterm(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, SIGTERM cancelling it as Ctrl-C does: the bot is stopped and its schema dropped
    (then ``CancelledError``)."""

    async def cancellable() -> T:
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        assert task is not None
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            return await coroutine
        finally:
            loop.remove_signal_handler(signal.SIGTERM)

    return asyncio.run(cancellable())


def run(args: argparse.Namespace) -> None:
    """The runs ``--run`` names, each bot in turn, and their reports."""
    machine.speed()
    if args.run in ("both", "bench"):
        ours = until_sigterm(bench("goodwork", args))
        base = until_sigterm(bench("baseline", args))
        report(args, ours, base)
    if args.run in ("both", "shipped"):
        ours = until_sigterm(bench_shipped("goodwork", args))
        base = until_sigterm(bench_shipped("baseline", args))
        report_shipped(args, ours, base)
    if args.run == "webhook":
        hooked = until_sigterm(bench_shipped("goodwork-webhook", args))
        polled = until_sigterm(bench_shipped("goodwork", args))
        report_webhook(args, hooked, polled)


def report_shipped(args: argparse.Namespace, ours: dict[str, float], base: dict[str, float]) -> None:
    print(
        f"shipped content: {args.people} people start at once, {shipped.ACTIONS} actions each (the first button, "
        f"else a reflection after {shipped.QUIET:g} s of quiet), goodwork pacing {args.pacing_ms} ms"
    )
    print(f"  {store_line(args)}")
    label = f"goodwork/{args.store}"
    print(f"  {'':<28}{label:>18}{'baseline':>10}{'ratio':>8}")
    for name in [*ours, *(name for name in base if name not in ours)]:
        mine, theirs = ours.get(name, 0.0), base.get(name, 0.0)
        ratio = f"{mine / theirs:>8.2f}" if theirs else f"{'':>8}"
        print(f"  {name:<28}{mine:>18,.2f}{theirs:>10,.2f}{ratio}")
    cpu, p95 = all_cpu(ours) / all_cpu(base), ours["p95 ms"] / base["p95 ms"]
    print(
        f"  aims: {'bot+PG ' if TOTAL_CPU in ours else ''}CPU/action <= 0.4 of the baseline's: "
        f"{'met' if cpu <= 0.4 else 'NOT met'} ({cpu:.2f}); "
        f"p95 <= half the baseline's: {'met' if p95 <= 0.5 else 'NOT met'} ({p95:.2f})"
    )


def report_webhook(args: argparse.Namespace, hooked: dict[str, float], polled: dict[str, float]) -> None:
    """goodwork by webhook (each update sealed into the inbox before its 200) next to goodwork polling."""
    print(
        f"shipped content by webhook: {args.people} people as in the shipped run; the fake posts updates as "
        "Telegram does (40 at once at most, one chat's in order)"
    )
    print(f"  {store_line(args)}")
    hooked_label, polled_label = f"webhook/{args.store}", f"polling/{args.store}"
    print(f"  {'':<28}{hooked_label:>18}{polled_label:>18}{'ratio':>8}")
    for name, theirs in polled.items():
        mine = hooked.get(name, 0.0)
        ratio = f"{mine / theirs:>8.2f}" if theirs else f"{'':>8}"
        print(f"  {name:<28}{mine:>18,.2f}{theirs:>18,.2f}{ratio}")


if __name__ == "__main__":
    main()
