"""The public report for N people: the seconds and peak memory of ``goodwork report``, against the aim.

    python tests/benchmarks/bench_report.py [--people 10000,100000] [--quick] [--profile] [--out DIR] [--timeout S]

Build (this process; its seconds are printed apart and are no part of the figure): for each N, a new SQLite
store in a temporary folder gets the shipped dialogues and courses (``Catalogue.sync``) and tranches of the
course art-of-connecting, 10 to 40 people each (25 on average), on working days spread over the last year.
Every person is a participant (a contact row with the sealed chat id) who joined one tranche, which planned
the course's four follow-ups; those due by now were sent. People started toolkit dialogues (most finished
them), opened some of the follow-ups that reached them and took a few weekly dilemmas: the conversations,
choices and reflections the engine gives for those walks, on the days they would have happened (drawn from
a generator seeded by N, so a size always gets the same store). The rows are written by the store's own
write functions, a few thousand people to a transaction (one transaction per row, through the public
methods, would take minutes at 100,000).

Measure (a child process per N, so that each figure is of the report for that N alone, the build's memory
not included): ``goodwork report --out DIR`` on that store (``bot.cli.main.main``, k=5): its seconds, and
the child's peak memory (VmHWM, read with ``bench_bot.peak_memory_mb`` once the child has said its figures
and before it exits; the child does nothing else, so its peak needs no reset: interpreter and imports are
included, as for the command), against the aim at 100,000 people: under 10 s and 300 MB. The seconds are
split into finding the first day (``first_day``), counting (``report_counts``), making the files
(``report_files``, importing the chart code included) and the rest (settings, opening the store, writing).
Then what report.csv holds, to see that the figures are sane. ``--profile`` runs the command under
cProfile and prints its top entries by cumulative and by own time, and the seconds spent awaiting each
store query (the SQL runs on aiosqlite's thread, where cProfile does not look); figures under the profiler
are slower. ``--out DIR`` keeps each report in DIR/N; a report that takes over ``--timeout`` seconds is
stopped and said so.

First it times a fixed pure-Python loop, so that figures from a busy shared machine can be read against
its speed at the time. Figures are reported, never enforced.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import csv
import importlib
import io
import json
import os
import pstats
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.dialogue import engine
from bot.dialogue.course import Course, CourseId
from bot.dialogue.events import Answer, Answered, AskChoice, AskText, Choose, Chosen, Event, Output, Start
from bot.dialogue.model import Dialogue, DialogueId
from bot.dialogue.state import State
from bot.schedule.calendar import WorkingHours
from bot.schedule.plan import follow_up_plan
from bot.store import Keys, SqliteStore
from bot.store.catalogue import Catalogue
from bot.store.protocol import Planned, StepRecord, Tranche
from bot.store.sqlite_courses import _enrol
from bot.store.sqlite_writes import commit, save_participant

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # for bench_bot, imported where it is used, and machine
import machine  # noqa: E402

ROOT = HERE.parents[1]
DIALOGUES = ROOT / "dialogues"
SECRET = "bench-report-secret-" + "r" * 32
TZ = ZoneInfo("Europe/Amsterdam")
HOURS = "mon-fri 09:00-17:00"
COURSE = "art-of-connecting"
LANGUAGE = "nl"
K = 5  # GOODWORK_MIN_GROUP
FIRST_ID, ID_STRIDE = 1_000_000_000, 7919  # Telegram ids of ten digits
TRANCHE_SIZES = (10, 40)  # people in one tranche, at least and at most
YEAR = 365  # days back the first tranche took the course
STARTED = {  # toolkit dialogue -> share of people who started it
    DialogueId("introduction"): 0.7,
    DialogueId("excellence"): 0.45,
    DialogueId("ethics-second-case"): 0.35,
    DialogueId("martin"): 0.3,
    DialogueId("engagement"): 0.4,
}
FINISHED = 0.6  # share of the conversations started that were finished
OPENED = 0.5  # share of the follow-ups sent that the person opened
WEEKLY = 0.3  # share of people who took some weekly dilemmas (one to three)
BATCH = 2000  # people written in one transaction
CACHE = "PRAGMA cache_size = -1000000"  # the build's writer only: 1 GB of pages, not 2 MB (same rows, faster)
REFLECTION = "Ik zou eerst met de initiatiefnemers praten, omdat zij het netwerk al kennen en vertrouwen."
MOST_STEPS = 60  # a walk that has not ended by then is a bug in the walk
AIM_PEOPLE, AIM_SECONDS, AIM_MB = 100_000, 10.0, 300.0
QUICK = ["--people", "2000"]
MEASURED = "MEASURED "  # the child's line of figures starts with this
TOP = 15  # profile entries shown


# -- build: walks through the shipped dialogues ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Walk:
    """Where a conversation ends up, and what it recorded on the way (a person's choices and reflections)."""

    state: State
    records: tuple[Chosen | Answered, ...]


@dataclass(frozen=True, slots=True)
class Walks:
    finished: tuple[Walk, ...]
    stopped: tuple[Walk, ...]  # left after one to three questions

    def pick(self, rng: random.Random) -> Walk:
        return rng.choice(self.finished if rng.random() < FINISHED else self.stopped)


def reply(outputs: Sequence[Output], variant: int) -> Event | None:
    """The answer to the last question shown: an option by ``variant``, or a reflection; None after the end."""
    asked = next((o for o in reversed(outputs) if isinstance(o, AskChoice | AskText)), None)
    if isinstance(asked, AskChoice):
        return Choose(asked.options[variant % len(asked.options)].id, asked.node)
    return None if asked is None else Answer(REFLECTION)


def walk(dialogue: Dialogue, variant: int, steps: int) -> Walk:
    """Start ``dialogue`` and answer up to ``steps`` questions, as the engine would record them."""
    transition, records = engine.step(dialogue, None, Start(LANGUAGE)), list[Chosen | Answered]()
    for number in range(steps):
        event = reply(transition.outputs, variant + number)
        if event is None:
            break
        transition = engine.step(dialogue, transition.state, event)
        records += [o for o in transition.outputs if isinstance(o, Chosen | Answered)]
    return Walk(transition.state, tuple(records))


def walks_of(dialogue: Dialogue) -> Walks:
    """Four finished walks and three stopped ones; an unfinished "finished" walk is an error."""
    finished = tuple(walk(dialogue, variant, MOST_STEPS) for variant in range(4))
    if not all(w.state.done for w in finished):
        raise RuntimeError(f"{dialogue.id}: a walk did not end within {MOST_STEPS} answers")
    return Walks(finished, tuple(walk(dialogue, variant, variant + 1) for variant in range(3)))


# -- build: who did what --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    """One person, their tranche and plan, and their conversations in the order they had them."""

    chat_id: int
    tranche: Tranche
    plan: tuple[Planned, ...]
    talks: tuple[tuple[date, Walk], ...]


@dataclass
class Built:
    people: int
    tranches: int = 0
    conversations: int = 0
    records: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Setting:
    """What every member's plan and conversations are drawn from."""

    course: Course
    hours: WorkingHours
    walks: dict[DialogueId, Walks]
    weekly: tuple[DialogueId, ...]
    now: datetime

    @property
    def today(self) -> date:
        return self.now.astimezone(TZ).date()


def course_days(tranches: int, today: date) -> Iterator[date]:
    """Working days spread evenly over the last ``YEAR`` days, oldest first."""
    for number in range(tranches):
        day = today - timedelta(days=YEAR - number * YEAR // tranches)
        yield day - timedelta(days=max(day.weekday() - 4, 0))  # a weekend day moves back to Friday


def tranche_sizes(people: int, rng: random.Random) -> list[int]:
    sizes: list[int] = []
    while sum(sizes) < people:
        sizes.append(min(rng.randint(*TRANCHE_SIZES), people - sum(sizes)))
    return sizes


def talks(setting: Setting, tranche: Tranche, plan: Sequence[Planned], rng: random.Random) -> list[tuple[date, Walk]]:
    """One person's conversations: toolkit around the course day, follow-ups they opened, weekly dilemmas."""
    today, found = setting.today, list[tuple[DialogueId, date]]()
    found += [(d, tranche.day + timedelta(rng.randint(0, 14))) for d, share in STARTED.items() if rng.random() < share]
    for planned in plan:
        due = planned.due.astimezone(TZ).date()
        if planned.due <= setting.now and rng.random() < OPENED:
            found.append((planned.dialogue, due + timedelta(rng.randint(0, 3))))
    if rng.random() < WEEKLY:
        span, taken = (today - tranche.day).days, rng.sample(setting.weekly, rng.randint(1, 3))
        found += [(d, tranche.day + timedelta(rng.randint(0, span))) for d in taken]
    return [(min(day, today), setting.walks[d].pick(rng)) for d, day in sorted(found, key=lambda item: item[1])]


def members(setting: Setting, tranche: Tranche, chats: range, keys: Keys, rng: random.Random) -> Iterator[Member]:
    for chat_id in chats:
        plan = follow_up_plan(setting.course, tranche.day, setting.hours, keys.telegram(chat_id).contact)
        yield Member(chat_id, tranche, tuple(plan), tuple(talks(setting, tranche, plan, rng)))


# -- build: the store -----------------------------------------------------------------------------


def write_members(db: sqlite3.Connection, keys: Keys, batch: Sequence[Member], week: str) -> None:
    """Inside one transaction, what ``save_participant``, ``enrol`` and ``commit_step`` write for each member
    (the store's own functions for those transactions; the chat id sealed by ``Keys`` as the store does)."""
    for member in batch:
        who = keys.telegram(member.chat_id)
        save_participant(db, who.contact, keys.seal_chat(member.chat_id, who.contact), week)
        _enrol(db, who.contact, member.tranche.code, [(secrets.randbits(62), p) for p in member.plan], LANGUAGE)
        for day, talk in member.talks:
            step = StepRecord(who.person, talk.state, None, talk.records, started=True)
            commit(db, step, day.isoformat(), [secrets.randbits(62) for _ in talk.records])


async def send_due(store: SqliteStore, now: datetime) -> int:
    """The follow-ups due by ``now``, claimed as the outbox does and marked sent."""
    claimed = [row.id for row in await store.claim_due(now, limit=sys.maxsize)]
    await store.mark_sent(claimed)
    return len(claimed)


async def setting_of(store: SqliteStore) -> Setting:
    catalogue = Catalogue(store)
    synced = await catalogue.sync(DIALOGUES, "bench")
    if synced.problems:
        raise RuntimeError(f"the shipped dialogues have problems: {synced.problems[:3]}")
    dialogues = await catalogue.published()
    course = (await catalogue.courses())[CourseId(COURSE)]
    used = {*STARTED, *(f.dialogue for f in course.followups)}
    weekly = tuple(d.id for d in dialogues if d.session == "weekly")
    walks = {d.id: walks_of(d) for d in dialogues if d.id in used or d.id in weekly}
    return Setting(course, WorkingHours.parse(HOURS, tz=TZ), walks, weekly, datetime.now(UTC))


async def open_tranches(store: SqliteStore, sizes: Sequence[int], today: date) -> list[Tranche]:
    days = course_days(len(sizes), today)
    return [await store.open_tranche(COURSE, f"Groep {n:05d}", day, "bench") for n, day in enumerate(days, 1)]


def everyone(setting: Setting, tranches: Sequence[Tranche], sizes: Sequence[int], keys: Keys) -> Iterator[Member]:
    """Each tranche's members, tranche after tranche (what each did drawn from a generator seeded by N)."""
    rng, first = random.Random(sum(sizes)), 0
    for tranche, size in zip(tranches, sizes, strict=True):
        chats = range(FIRST_ID + first * ID_STRIDE, FIRST_ID + (first + size) * ID_STRIDE, ID_STRIDE)
        yield from members(setting, tranche, chats, keys, rng)
        first += size


def batches(members: Iterator[Member]) -> Iterator[list[Member]]:
    batch: list[Member] = []
    for member in members:
        batch.append(member)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def add_members(store: SqliteStore, keys: Keys, members: Iterator[Member], built: Built, week: str) -> None:
    """Write the members, ``BATCH`` to a transaction on the store's writer (its one connection that writes)."""
    for batch in batches(members):
        await store._writer.transaction(partial(write_members, keys=keys, batch=batch, week=week))
        built.conversations += sum(len(member.talks) for member in batch)
        built.records.update(type(r).__name__ for member in batch for _, talk in member.talks for r in talk.records)


async def build(path: Path, people: int) -> Built:
    keys, started = Keys(SECRET), time.perf_counter()
    async with await SqliteStore.open(path, keys=keys, tz=TZ) as store:
        await store._writer.run(lambda db: db.execute(CACHE))
        setting = await setting_of(store)
        sizes = tranche_sizes(people, random.Random(people))
        tranches = await open_tranches(store, sizes, setting.today)
        built, week = Built(people, len(tranches)), setting.now.astimezone(TZ).strftime("%G-W%V")
        await add_members(store, keys, everyone(setting, tranches, sizes, keys), built, week)
        built.sent = await send_due(store, setting.now)
    built.seconds = time.perf_counter() - started
    return built


# -- measure: the command, in a child process -----------------------------------------------------


@dataclass
class Spent:
    """Seconds and calls per name, added up."""

    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, started: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        self.calls[name] = self.calls.get(name, 0) + 1

    def around(self, name: str, function: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        """``function`` (a coroutine function), timed under ``name``."""

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                self.add(name, started)

        return timed


STEPS = {"first_day": "first day", "report_counts": "counting"}  # what ``goodwork report`` awaits, by name
QUERIES = ("tranches", "contacts", "enrolments", "activity", "followups_sent", "weekly_active")


def time_steps(steps: Spent) -> None:
    """Time the calls ``goodwork report`` makes, under the names its module imported them by."""
    from bot.cli import report as command
    from bot.report.public import ReportCounts
    from bot.report.public import report_files as making

    for name, label in STEPS.items():
        setattr(command, name, steps.around(label, getattr(command, name)))

    def report_files(counts: ReportCounts, language: str, k: int) -> dict[str, bytes]:
        started = time.perf_counter()
        importlib.import_module("bot.report.page")  # what report_files imports first: the chart, matplotlib
        steps.add("chart import", started)
        try:
            return making(counts, language, k)
        finally:
            steps.add("files", started)

    setattr(command, "report_files", report_files)  # noqa: B010  (mypy: the module does not export it)


def time_queries(queries: Spent) -> None:
    """Time what is awaited on each of the store's queries that the report makes (the SQL runs on a thread)."""
    for name in QUERIES:
        setattr(SqliteStore, name, queries.around(name, getattr(SqliteStore, name)))


def run_command(out: Path, profile: bool) -> tuple[int, float]:
    """``goodwork report --out OUT``: its exit code and seconds (what it prints is dropped); the profile on stdout."""
    from bot.cli.main import main

    profiler, argv = cProfile.Profile() if profile else None, ["report", "--out", str(out)]
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # stdout carries the figures to the parent
        code = main(argv) if profiler is None else profiler.runcall(main, argv)
    seconds = time.perf_counter() - started
    if profiler is not None:
        for order in ("cumulative", "tottime"):
            pstats.Stats(profiler, stream=sys.stdout).sort_stats(order).print_stats(TOP)
    return code, seconds


def measure_here(out: Path, profile: bool) -> None:
    """The child: run the command, print its figures on one line, and wait until the parent read its peak."""
    steps, queries = Spent(), Spent()
    time_steps(steps)
    if profile:
        time_queries(queries)
        importlib.import_module("bot.report.page")  # imported before profiling, so that the top is the report's
    code, seconds = run_command(out, profile)
    figures: dict[str, Any] = {"code": code, "seconds": seconds, "steps": steps.seconds}
    figures["queries"] = {name: [queries.calls[name], spent] for name, spent in queries.seconds.items()}
    print(MEASURED + json.dumps(figures), flush=True)
    sys.stdin.read()  # the parent reads this process's peak memory, then closes our stdin


@dataclass(frozen=True)
class Measured:
    seconds: float
    steps: dict[str, float]  # first day, counting, chart import, files
    queries: dict[str, list[float]]  # store query -> calls, seconds awaited (with --profile)
    peak_mb: float
    lines: list[str]  # what the child printed beside its figures: the profile


def child_env(database: Path) -> dict[str, str]:
    settings = {"GOODWORK_DB": str(database), "GOODWORK_SECRET": SECRET, "GOODWORK_MIN_GROUP": str(K)}
    return {**os.environ, **settings, "GOODWORK_TZ": str(TZ), "PYTHONPATH": str(ROOT)}


def measure(database: Path, out: Path, profile: bool, timeout: float) -> Measured | None:
    """Run the command in a child process; read its peak memory once it has said its figures, before it exits.

    None if it said nothing within ``timeout`` seconds (it is stopped then).
    """
    from bench_bot import peak_memory_mb  # not at the top: the child runs this file, and must not carry aiohttp

    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(out)]
    with subprocess.Popen(
        [*command, *(["--profile"] if profile else [])],
        env=child_env(database),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdin is not None and child.stdout is not None
        watchdog = threading.Timer(timeout, child.kill)
        watchdog.start()
        lines, figures = _until_figures(child.stdout)
        peak = peak_memory_mb(child.pid) if figures else float("nan")
        watchdog.cancel()
        child.stdin.close()
        lines += child.stdout.read().splitlines()
    if not figures and child.returncode == -signal.SIGKILL:
        return None
    if not figures or figures["code"] != 0:
        raise RuntimeError(f"goodwork report failed (exit {child.returncode}): {figures or lines[-5:]}")
    return Measured(figures["seconds"], figures["steps"], figures["queries"], peak, lines)


def _until_figures(stdout: Iterable[str]) -> tuple[list[str], dict[str, Any]]:
    lines: list[str] = []
    for line in stdout:
        if line.startswith(MEASURED):
            return lines, dict(json.loads(line.removeprefix(MEASURED)))
        lines.append(line.rstrip("\n"))
    return lines, {}


# -- report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """What report.csv holds, to see that the figures are sane."""

    rows: int
    left_out: int
    enrolled: str  # the row of all courses together
    sent: int  # follow-ups sent, summed over the weeks' rows that show them
    weeks: int
    html_kb: float


def read_sheet(out: Path) -> Sheet:
    with (out / "report.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    weekly = [row for row in rows if row["week"]]
    enrolled = next((r["value"] for r in rows if r["measure"] == "enrolled" and not r["course"]), "?")
    sent = sum(int(r["value"]) for r in weekly if r["measure"] == "followup_sent" and r["value"])
    return Sheet(
        len(rows),
        sum(not row["value"] for row in rows),
        enrolled,
        sent,
        len({row["week"] for row in weekly}),
        (out / "index.html").stat().st_size / 1024,
    )


def aim(people: int, value: float, limit: float, unit: str) -> str:
    verdict = ("met" if value < limit else "NOT met") if people >= AIM_PEOPLE else ""
    return f"< {limit:g} {unit}{' ' + verdict if verdict else ''}"


def report_build(built: Built) -> None:
    records = f"{built.records['Chosen']:,} choices, {built.records['Answered']:,} reflections"
    print(
        f"build {built.people:,} people: {built.seconds:.1f} s (not part of the figure): {built.tranches:,} tranches, "
        f"{built.conversations:,} conversations, {records}, {built.sent:,} follow-ups sent",
        flush=True,
    )


def report_measured(people: int, measured: Measured, sheet: Sheet) -> None:
    seconds, peak, steps = measured.seconds, measured.peak_mb, measured.steps
    aims = f"{aim(people, seconds, AIM_SECONDS, 's')}, {aim(people, peak, AIM_MB, 'MB')}"
    print(f"report {people:,} people: {seconds:.2f} s, peak {peak:.0f} MB (aim at {AIM_PEOPLE:,}: {aims})")
    rest = seconds - sum(steps.get(step, 0.0) for step in ("first day", "counting", "files"))
    split = ", ".join(f"{step} {steps.get(step, float('nan')):.2f} s" for step in ("first day", "counting", "files"))
    print(f"  {split} (chart import {steps.get('chart import', float('nan')):.2f} s), the rest {rest:.2f} s")
    print(
        f"  report.csv: {sheet.rows:,} rows, {sheet.left_out:,} left out (k={K}); enrolled {sheet.enrolled}; "
        f"{sheet.sent:,} follow-ups sent over {sheet.weeks} weeks; index.html {sheet.html_kb:,.0f} kB",
        flush=True,
    )


def report_profile(measured: Measured) -> None:
    print("  seconds awaited per store query (calls):")
    for name, (calls, seconds) in sorted(measured.queries.items(), key=lambda item: -item[1][1]):
        print(f"    {name:<16}{seconds:7.2f} s  ({calls:.0f})")
    print("\n".join(f"  | {line}" for line in measured.lines if line.strip()))


# -- the run --------------------------------------------------------------------------------------


def bench(people: int, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as name:
        database = Path(name) / "report.sqlite3"
        out = args.out / str(people) if args.out else Path(name) / "report"
        report_build(asyncio.run(build(database, people)))
        measured = measure(database, out, args.profile, args.timeout)
        if measured is None:
            print(f"report {people:,} people: did not finish within {args.timeout:g} s (stopped)", flush=True)
            return
        report_measured(people, measured, read_sheet(out))
        if args.profile:
            report_profile(measured)


def people_list(raw: str) -> list[int]:
    try:
        found = [int(part) for part in raw.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {raw!r}") from None
    if not all(10 <= n <= 1_000_000 for n in found):
        raise argparse.ArgumentTypeError(f"expected numbers from 10 to 1000000, got {raw!r}")
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=people_list, default=[10_000, 100_000], metavar="N[,N...]")
    parser.add_argument("--quick", action="store_true", help=f"a small run: {' '.join(QUICK)}")
    parser.add_argument("--profile", action="store_true", help=f"profile the command: the top {TOP} entries")
    parser.add_argument("--out", type=Path, metavar="DIR", help="keep each report in DIR/N (default: deleted)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds one report may take (default: 600)")
    parser.add_argument("--measure", type=Path, metavar="DIR", help=argparse.SUPPRESS)  # the child's run
    args = parser.parse_args(argv)
    if args.measure:
        measure_here(args.measure, args.profile)
        return
    machine.speed()
    for people in people_list(QUICK[1]) if args.quick else args.people:
        bench(people, args)


if __name__ == "__main__":
    main()
