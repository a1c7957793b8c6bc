"""Weekly digests for N participants: queueing them, then a bot process sending them against an overall limit.

    python tests/benchmarks/bench_digest.py [--people 10000] [--limit 1000] [--seconds 60] [--quick]

Build (this process): a new SQLite store in a temporary folder gets the shipped dialogues
(``Catalogue.sync``), N participants who chose Dutch, toolkit conversations for one in four of them (a few
steps each) and, on the peers question of last week's dilemma, the choices of a few hundred, so the
cohort pulse (k=5) shows. Then ``DigestPlanner.queue(at_once=True)`` queues this week's digests: its
seconds and this process's peak memory while it ran (VmHWM, reset just before), against the aim (under
10 s and 150 MB); a second call should queue 0.

Send: ``python -m bot run`` on that database (pacing off, hours open all week, ``GOODWORK_SEND_RATE=L``,
one message a second per chat, ``GOODWORK_DIGEST=off`` so it queues nothing itself) against the fake Bot
API server with ``limit_global(L)``. The outbox's first tick, at start-up, finds every digest due; a
digest is composed when it is sent (the person's conversations are read, so the bot unseals each chat
id). From the first digest the server accepted to the last, within ``--seconds``: digests a second, their
share of L, the 429s, the pauses in sending (gaps over 50 ms: where the outbox's batches meet), and the
bot process's CPU seconds per digest (from /proc/<pid>/stat), beside this process's (the fake server's).
Then who got how many digests, how many show the pulse, the longest, and the outbox's rows by status.

Figures are reported, never enforced.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from bench_bot import cpu_seconds, peak_memory_mb  # noqa: E402  (bench_bot puts tests/telegram on the path)
from bench_crash import FIRST_ID, ID_STRIDE, SECRET, BotProcess, bot_env  # noqa: E402
from bench_outbox import AIM_SHARE, MeteredTelegram, Run  # noqa: E402

from bot.dialogue.events import Answer, AskChoice, AskText, Choose, Chosen, Event, Output, Start  # noqa: E402
from bot.dialogue.model import Dialogue, DialogueId  # noqa: E402
from bot.schedule.calendar import WorkingHours  # noqa: E402
from bot.schedule.digest_messages import TOOLKIT  # noqa: E402
from bot.schedule.digests import DigestPlanner, iso_week  # noqa: E402
from bot.schedule.outbox import BATCH, CHUNK  # noqa: E402
from bot.store import Keys, SqliteStore  # noqa: E402
from bot.store.catalogue import Catalogue  # noqa: E402
from bot.store.conversations import Conversations  # noqa: E402
from bot.store.keys import Pseudonym  # noqa: E402

ROOT = HERE.parents[1]
DIALOGUES = ROOT / "dialogues"
TZ = ZoneInfo("Europe/Amsterdam")
OPEN = "mon-sun 00:00-23:59"
LANGUAGE = "nl"
K = 5  # GOODWORK_MIN_GROUP
TALKERS = 4  # one person in this many has a toolkit conversation
PEERS = 300  # people who choose at last week's dilemma's peers question, at most
REFLECTION = "Ik zou eerst met mijn leidinggevende praten, omdat het om vertrouwen van inwoners gaat."
WALK = 12  # events one person sends at most
AIM_SECONDS, AIM_MB = 10.0, 150.0
PAUSE = 0.05  # seconds between two digests accepted that count as a pause in sending
FIRST_WITHIN = 90.0  # seconds the first digest may take after the bot starts (the promise: 60)
QUICK = ["--people", "50", "--seconds", "20"]


# -- build: the store -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    week: str
    people: int
    talkers: int
    choosers: int
    peers_dialogue: DialogueId
    fill_seconds: float
    queued: int
    queue_seconds: float
    rss_before_mb: float
    peak_mb: float
    peak_reset: bool  # False: the peak is the whole process's, build included
    again: int


def chat_ids(people: int) -> list[int]:
    """Telegram ids of ten digits, as bench_crash uses."""
    return [FIRST_ID + n * ID_STRIDE for n in range(people)]


async def add_participants(store: SqliteStore, keys: Keys, chats: Sequence[int]) -> list[Pseudonym]:
    """Each chat as a participant who chose Dutch; their persons (the pseudonyms of the person side)."""
    for chat_id in chats:
        contact = keys.telegram(chat_id).contact
        await store.save_participant(contact, chat_id)
        await store.update_participant(contact, language=LANGUAGE)
    return [keys.telegram(chat_id).person for chat_id in chats]


def reply(outputs: Sequence[Output], n: int) -> Event | None:
    """What person ``n`` answers to the last question shown: an option by their number, or a reflection."""
    asked = next((o for o in reversed(outputs) if isinstance(o, AskChoice | AskText)), None)
    if isinstance(asked, AskChoice):
        return Choose(asked.options[n % len(asked.options)].id, asked.node)
    return None if asked is None else Answer(REFLECTION)


def chose_peers(outputs: Sequence[Output]) -> bool:
    return any(isinstance(o, Chosen) and o.peers for o in outputs)


async def walk(
    talk: Conversations,
    person: Pseudonym,
    dialogue: DialogueId,
    n: int,
    *,
    steps: int,
    stop: Callable[[Sequence[Output]], bool],
) -> bool:
    """Start ``dialogue`` and answer up to ``steps`` questions; whether ``stop`` ended the walk."""
    outcome = await talk.apply(person, dialogue, Start(LANGUAGE))
    for _ in range(steps):
        event = reply(outcome.outputs, n)
        if event is None:
            return False
        outcome = await talk.apply(person, dialogue, event)
        if stop(outcome.outputs):
            return True
    return False


async def weekly_order(store: SqliteStore, dialogues: Sequence[Dialogue]) -> list[Dialogue]:
    """The weekly dilemmas newest first, as the digest orders them (this week's first, last week's second)."""
    first = await store.first_published()
    weekly = [d for d in dialogues if d.session == "weekly"]
    return sorted(weekly, key=lambda d: (-first[d.id].timestamp(), d.id))


async def add_conversations(store: SqliteStore, persons: Sequence[Pseudonym]) -> tuple[int, int, DialogueId]:
    """Toolkit steps for one in ``TALKERS``; choices at last week's dilemma's peers question for up to ``PEERS``."""
    catalogue = Catalogue(store)
    synced = await catalogue.sync(DIALOGUES, "bench")
    if synced.problems:
        raise RuntimeError(f"the shipped dialogues have problems: {synced.problems[:3]}")
    dialogues = [await catalogue.get(d) for d in await store.dialogue_ids()]
    toolkit = sorted(d.id for d in dialogues if d.session in TOOLKIT)
    talk, talkers = Conversations(store, catalogue), persons[::TALKERS]
    for n, person in enumerate(talkers):
        await walk(talk, person, toolkit[n % len(toolkit)], n, steps=1 + n % 4, stop=lambda _: False)
    peers = (await weekly_order(store, dialogues))[1].id
    choosers = persons[1::2][:PEERS]  # odd numbers: none of them is a talker
    chose = [await walk(talk, person, peers, n, steps=WALK, stop=chose_peers) for n, person in enumerate(choosers)]
    return len(talkers), sum(chose), peers


def memory_mb(field: str) -> float:
    """``VmRSS`` or ``VmHWM`` of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> bool:
    """Set this process's peak memory (VmHWM) back to what it holds now; False where Linux does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def timed_queue(planner: DigestPlanner) -> tuple[int, float, float, float, bool]:
    """Queue this week's digests at once: how many, seconds, RSS before, peak while queueing, peak reset."""
    before, reset = memory_mb("VmRSS"), reset_peak()
    started = time.perf_counter()
    queued, _ = await planner.queue(at_once=True)
    return queued, time.perf_counter() - started, before, memory_mb("VmHWM"), reset


async def build(path: Path, people: int) -> Built:
    keys, started = Keys(SECRET), time.perf_counter()
    async with await SqliteStore.open(path, keys=keys, tz=TZ) as store:
        persons = await add_participants(store, keys, chat_ids(people))
        talkers, choosers, peers = await add_conversations(store, persons)
        fill = time.perf_counter() - started
        hours = WorkingHours.parse(OPEN, tz=TZ)
        planner = DigestPlanner(store, keys, hours, None, frozenset(), lambda: datetime.now(UTC))
        week = iso_week(datetime.now(UTC), TZ)
        queued, seconds, before, peak, reset = await timed_queue(planner)
        again, _ = await planner.queue(at_once=True)
    return Built(week, people, talkers, choosers, peers, fill, queued, seconds, before, peak, reset, again)


# -- send: the bot process ------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """CPU seconds from the first digest accepted to the last (or the end of ``--seconds``), and the bot's peak."""

    bot_cpu: float
    fake_cpu: float  # this process's: the fake server's (and this script's waiting)
    bot_peak_mb: float


@dataclass(frozen=True)
class Sending:
    run: Run
    first_after: float  # seconds from starting the bot to the first digest accepted
    window: Window
    per_chat: Counter[int]  # digests received -> how many people got that many
    pulses: int  # digests that show a cohort pulse
    longest: tuple[int, int]  # characters, lines
    pauses: tuple[int, float]  # gaps over PAUSE between two digests: how many, seconds in all
    outbox: dict[str, int]

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.window.bot_cpu / (self.run.messages - 1) if self.run.messages > 1 else float("nan")

    def core(self, cpu: float) -> str:
        """CPU seconds over the sending span, as a share of one core."""
        return f"{cpu / self.run.seconds:.0%} of one core" if self.run.seconds > 0 else "-"


def bot_settings(tg: MeteredTelegram, folder: Path, database: Path, limit: int) -> dict[str, str]:
    return bot_env(
        tg,
        folder,
        GOODWORK_DB=str(database),
        GOODWORK_DIALOGUES=str(DIALOGUES),
        GOODWORK_HOURS=OPEN,
        GOODWORK_TZ=str(TZ),
        GOODWORK_SEND_RATE=str(limit),
        GOODWORK_CHAT_RATE="1",
        GOODWORK_DIGEST="off",
        GOODWORK_MIN_GROUP=str(K),
    )


async def first_digest(tg: MeteredTelegram, bot: BotProcess) -> None:
    """Wait for the first digest the server accepts (failing early when the bot cannot compose them)."""
    deadline = bot.last_start + FIRST_WITHIN
    for looks in itertools.count():
        if tg.accepted:
            return
        if bot.process is None or bot.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"no digest arrived within {FIRST_WITHIN:.0f} s of starting the bot")
        if looks % 200 == 0 and "not composed" in bot.log_tail():
            raise RuntimeError("the bot could not compose the digests (its log says why, by type)")
        await asyncio.sleep(0.005)


async def last_digest(tg: MeteredTelegram, bot: BotProcess, expected: int, seconds: float) -> None:
    """Wait until ``expected`` digests were accepted, or ``seconds`` after the first, or the bot ended."""
    deadline = tg.accepted[0] + seconds
    while len(tg.accepted) < expected and time.monotonic() < deadline and bot.process and bot.process.poll() is None:
        await asyncio.sleep(0.005)


async def watch(tg: MeteredTelegram, bot: BotProcess, expected: int, seconds: float) -> Window:
    """The sending window, from the first digest on: what it cost the bot and this process."""
    await first_digest(tg, bot)
    bot_first, fake_first = cpu_seconds(bot.pid), time.process_time()
    await last_digest(tg, bot, expected, seconds)
    bot_last, fake_last = cpu_seconds(bot.pid), time.process_time()
    return Window(bot_last - bot_first, fake_last - fake_first, peak_memory_mb(bot.pid))


def digests_seen(tg: MeteredTelegram, chats: Sequence[int]) -> tuple[Counter[int], int, tuple[int, int]]:
    """Digests per person, digests with a pulse (``digest_text`` writes its shares as ``45 % label``), longest."""
    texts = [[str(m.data.get("text", "")) for m in tg.stored_messages(chat_id)] for chat_id in chats]
    flat = [text for chat in texts for text in chat]
    pulses = sum(" % " in text for text in flat)
    longest = (max(map(len, flat), default=0), max((text.count("\n") + 1 for text in flat), default=0))
    return Counter(len(chat) for chat in texts), pulses, longest


def pauses(accepted: Sequence[float]) -> tuple[int, float]:
    """Gaps over ``PAUSE`` between two digests accepted: how many, and their seconds in all."""
    gaps = [later - earlier for earlier, later in itertools.pairwise(accepted) if later - earlier > PAUSE]
    return len(gaps), sum(gaps)


async def outbox_after(database: Path) -> dict[str, int]:
    """The outbox's rows by status, read once the bot has stopped."""
    async with await SqliteStore.open(database, keys=Keys(SECRET), tz=TZ, migrate=False) as store:
        return await store.outbox_status()


def observed(tg: MeteredTelegram, bot: BotProcess, chats: Sequence[int], window: Window, limit: int) -> Sending:
    """What the fake server saw (the outbox is read later)."""
    span = tg.accepted[-1] - tg.accepted[0]
    run = Run(float(limit), len(chats), len(tg.accepted), span, tg.too_many, 0)
    per_chat, pulses, longest = digests_seen(tg, chats)
    first_after = tg.accepted[0] - bot.starts[0].at
    return Sending(run, first_after, window, per_chat, pulses, longest, pauses(tg.accepted), {})


async def send(folder: Path, database: Path, chats: Sequence[int], args: argparse.Namespace) -> Sending:
    """Start the bot on the built database against the fake server at ``--limit``; watch it send the digests."""
    async with MeteredTelegram() as tg:
        tg.limit_global(args.limit)
        for chat_id in chats:
            tg.add_chat({"id": chat_id, "type": "private", "first_name": "Participant"})
        bot = BotProcess(tg, bot_settings(tg, folder, database, args.limit), folder)
        bot.start()
        try:
            window = await watch(tg, bot, len(chats), args.seconds)
        except Exception:
            print(bot.log_tail(), file=sys.stderr)
            raise
        finally:
            await bot.stop()
        sending = observed(tg, bot, chats, window, args.limit)
    return replace(sending, outbox=await outbox_after(database))


# -- report ---------------------------------------------------------------------------------------


def aim(met: bool) -> str:
    return "met" if met else "NOT met"


def report_build(built: Built) -> None:
    print(
        f"digests: {built.people:,} participants ({LANGUAGE}), {built.talkers:,} with toolkit conversations, "
        f"{built.choosers} choices at the peers question of {built.peers_dialogue} (k={K})"
    )
    whole = "" if built.peak_reset else " (the whole process's: its peak could not be reset)"
    rows = [
        ("store filled in", f"{built.fill_seconds:.1f} s (not part of the aim)"),
        ("digests queued", f"{built.queued:,}"),
        (
            "queue seconds",
            f"{built.queue_seconds:.2f} s  (aim < {AIM_SECONDS:g} s: {aim(built.queue_seconds < AIM_SECONDS)})",
        ),
        (
            "peak memory while queueing",
            f"{built.peak_mb:.0f} MB  (aim < {AIM_MB:g} MB: {aim(built.peak_mb < AIM_MB)}){whole}",
        ),
        ("  RSS just before queueing", f"{built.rss_before_mb:.0f} MB"),
        ("queued by a second call", f"{built.again}"),
    ]
    print(f"build and queue {built.week}'s digests (this process)")
    for label, value in rows:
        print(f"  {label:<36}{value}")


def report_send(sending: Sending, limit: int) -> None:
    run, seen, window = sending.run, sending.per_chat, sending.window
    batches = f" (the outbox claims {CHUNK} rows at a time, {BATCH} in flight at most)" if run.rows > CHUNK else ""
    rows = [
        ("first digest after the bot started", f"{sending.first_after:.1f} s"),
        ("digests received", f"{run.messages:,} of {run.rows:,} in {run.seconds:.1f} s"),
        ("digests a second", f"{run.rate:.1f}"),
        ("share of the limit", f"{run.share:.1%}  (aim >= {AIM_SHARE:.0%} and no 429s: {aim(run.met)})"),
        ("429s", f"{run.too_many}"),
        (f"pauses over {PAUSE * 1000:.0f} ms", f"{sending.pauses[0]}, {sending.pauses[1]:.1f} s in all{batches}"),
        ("bot CPU per digest", f"{sending.cpu_ms:.2f} ms  ({window.bot_cpu:.1f} s, {sending.core(window.bot_cpu)})"),
        ("fake server's CPU (this process)", f"{window.fake_cpu:.1f} s, {sending.core(window.fake_cpu)}"),
        ("bot peak memory", f"{window.bot_peak_mb:.0f} MB"),
        ("people with 0 / 1 / more digests", f"{seen[0]:,} / {seen[1]:,} / {sum(seen.values()) - seen[0] - seen[1]:,}"),
        ("digests with a cohort pulse", f"{sending.pulses:,}"),
        ("longest digest", f"{sending.longest[0]} characters, {sending.longest[1]} lines"),
        ("outbox after the run", ", ".join(f"{n:,} {status}" for status, n in sorted(sending.outbox.items()))),
    ]
    print(f"send (python -m bot run, fake server limit {limit:,}/s)")
    for label, value in rows:
        print(f"  {label:<36}{value}")


# -- the run --------------------------------------------------------------------------------------


async def bench(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        database = folder / "digests.sqlite3"
        built = await build(database, args.people)
        report_build(built)
        sys.stdout.flush()
        report_send(await send(folder, database, chat_ids(args.people), args), args.limit)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000, choices=range(2, 100_001), metavar="N")
    parser.add_argument("--limit", type=int, default=1000, choices=range(1, 1001), metavar="L", help="messages/s")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long sending may take at most (<= 600)")
    parser.add_argument("--quick", action="store_true", help=f"a tiny run for the test suite: {' '.join(QUICK)}")
    args = parser.parse_args(argv)
    if args.quick:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), *QUICK])
    args.seconds = min(max(args.seconds, 1.0), 600.0)
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
