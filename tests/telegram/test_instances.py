"""Two instances, one PostgreSQL database: `goodwork run --webhook` twice behind a round-robin proxy, against the
fake Bot API server, while people walk a dialogue, 2,000 follow-ups go out and one instance is killed with SIGKILL
and started again.

Checked afterwards: no answer the bot acknowledged (replied to, or answered 200 for) is lost, no step is applied
twice (each person's stored conversation against the answers they gave), every follow-up went out and none twice
beyond those the outbox counted as of unknown outcome, and in no second did more follow-ups go out than
``GOODWORK_SEND_RATE`` (one instance sends at a time).

The instances are ``goodwork run`` itself, with one change: Dutch public holidays do not close the working hours
(``GOODWORK_HOURS`` is every day, all day), so the follow-ups go out whatever the date CI runs on.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import shutil
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp import web

ROOT = Path(__file__).parents[2]
sys.path[:0] = [str(ROOT / "tests" / "benchmarks"), str(ROOT / "tests" / "store")]

from bench_bot import chose_english  # noqa: E402
from bench_crash import (  # noqa: E402
    DIALOGUE,
    FIRST_ID,
    ID_STRIDE,
    BotProcess,
    CrashWalker,
    MarkedTelegram,
    Tally,
    first_call,
    walk,
)
from pg import fresh_schema  # noqa: E402
from talk import free_port, until  # noqa: E402

from bot.dialogue.model import DialogueId  # noqa: E402
from bot.schedule.worker import in_flight  # noqa: E402
from bot.store import Keys  # noqa: E402
from bot.store.postgres import PostgresStore  # noqa: E402
from bot.store.protocol import Planned  # noqa: E402

SECRET = "two-instances-secret-" + "i" * 32
URL = "https://bot.example.org/goodwork/hook"
PEOPLE = 300
FOLLOWUPS = 2_000
SEND_RATE = 60  # GOODWORK_SEND_RATE: follow-ups a second, over all instances
FIRST_CHAT = 830_000_000  # the follow-ups' chats: no one walking the dialogue
WALK_SECONDS = 36.0
PAUSE = 4.0  # seconds between one person's actions (on average)
PATIENCE = 60.0  # seconds a person waits for a reply (from the action, or from the restart after it)
TAKE_OVER = 45.0  # seconds for the other instance to take the turn to send (it looks every 30 s)
DRAIN = 120.0  # seconds for the outbox to empty after the walk

# `goodwork run`, with public holidays taken out of the working hours (see the module docstring).
RUN = (
    "import sys, bot.schedule.calendar as calendar; "
    "calendar.dutch_holidays = lambda year: frozenset(); "
    "from bot.cli.main import main; sys.exit(main(sys.argv[1:]))"
)


def instance(name: str, tg: MarkedTelegram, env: dict[str, str], folder: Path) -> BotProcess:
    """One `goodwork run --webhook` process named ``name``, on a port of its own, its log in a folder of its own."""
    (folder / name).mkdir()
    command = [sys.executable, "-c", RUN, "run", "--webhook", "--url", URL, "--listen", f"127.0.0.1:{free_port()}"]
    return BotProcess(tg, {**env, "GOODWORK_INSTANCE": name}, folder / name, command=command)


def name_of(bot: BotProcess) -> str:
    return bot.env["GOODWORK_INSTANCE"]


def port_of(bot: BotProcess) -> int:
    return int(bot.command[-1].rpartition(":")[2])


async def ready(bot: BotProcess, timeout: float = 60.0) -> None:
    """Until it registered the webhook after its last start (it listens by then)."""
    start = bot.starts[-1]
    ended = lambda: bot.process is not None and bot.process.poll() is not None  # noqa: E731
    await until(lambda: first_call(bot.tg, "setWebhook", start) is not None or ended(), timeout=timeout)
    assert not ended(), f"instance {name_of(bot)} ended:\n{bot.log_tail()}"


@dataclass
class Both:
    """What the walkers read of "the bot": when it last (re)started, which extends their patience."""

    instances: Sequence[BotProcess]

    @property
    def last_start(self) -> float:
        return max(bot.last_start for bot in self.instances)


@contextlib.asynccontextmanager
async def round_robin(ports: Sequence[int]) -> AsyncIterator[str]:
    """A reverse proxy on 127.0.0.1 spreading requests over the instances in turn; as nginx does by default,
    one that refuses the connection is skipped, one that fails after taking the request makes a 502 (Telegram
    sends the update again)."""
    turn = itertools.cycle(range(len(ports)))
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def forward(request: web.Request) -> web.Response:
        body, first = await request.read(), next(turn)
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        for port in [*ports[first:], *ports[:first]]:
            try:
                async with session.post(f"http://127.0.0.1:{port}{request.path}", data=body, headers=headers) as got:
                    return web.Response(status=got.status, body=await got.read())
            except aiohttp.ClientConnectorError:
                continue
            except (aiohttp.ClientError, TimeoutError):
                return web.Response(status=502)
        return web.Response(status=502)

    app = web.Application()
    app.router.add_post("/{path:.*}", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/goodwork/hook"
    finally:
        await runner.cleanup()
        await session.close()


async def queue_followups(url: str, keys: Keys) -> list[int]:
    """``FOLLOWUPS`` people enrolled in a tranche of the shipped course, each with a follow-up due now."""
    now = datetime.now(UTC)
    chats = [FIRST_CHAT + n for n in range(FOLLOWUPS)]
    async with await PostgresStore.open(url, keys=keys) as store:
        tranche = await store.open_tranche("art-of-connecting", "two instances", now.date(), "test")
        plan = [Planned(now - timedelta(minutes=1), DialogueId("connecting-2-days"))]
        for chat in chats:
            contact = keys.telegram(chat).contact
            await store.save_participant(contact, chat)
            assert await store.enrol(contact, tranche.code, plan)
    return chats


async def sender_instance(url: str) -> str | None:
    """The instance holding the turn to send (its connections name it), if one does."""
    db = await asyncpg.connect(url)
    try:
        name = await db.fetchval(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.classid = 3 AND l.objid = 0 AND l.granted"
        )
    finally:
        await db.close()
    return None if name is None else str(name).removeprefix("goodwork ")


async def outbox_done(url: str) -> bool:
    """Nothing due is left to send (each follow-up sent queues a reminder, due days later)."""
    db = await asyncpg.connect(url)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        return not await db.fetchval(
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending') AND due <= $1", now
        )
    finally:
        await db.close()


async def left_over(url: str) -> list[tuple[object, ...]]:
    """Rows still to send: status, due, attempts, unknown outcomes, error (to say why the outbox did not empty)."""
    db = await asyncpg.connect(url)
    try:
        rows = await db.fetch(
            "SELECT status, due, attempts, unknown, error FROM outbox WHERE status IN ('pending', 'sending') "
            "ORDER BY due LIMIT 5"
        )
    finally:
        await db.close()
    return [tuple(row) for row in rows]


def busiest_second(moments: Sequence[float]) -> int:
    """The most follow-ups that arrived within any one second."""
    ordered, most, first = sorted(moments), 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


@pytest.mark.slow
async def test_two_instances_on_postgresql_lose_nothing_and_send_once(tmp_path: Path) -> None:
    keys = Keys(SECRET)
    async with fresh_schema() as url, MarkedTelegram() as tg:
        dialogues = tmp_path / "dialogues"
        shutil.copytree(ROOT / "dialogues", dialogues)
        shutil.copy(ROOT / "tests" / "benchmarks" / "data" / "bench.yaml", dialogues / "bench.yaml")
        chats = await queue_followups(url, keys)
        for chat in chats:
            tg.add_chat({"id": chat, "type": "private", "first_name": "Colleague"})
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "GOODWORK_TOKEN": tg.token,
            "GOODWORK_API_URL": tg.api_url,
            "GOODWORK_DB": url,
            "GOODWORK_SECRET": SECRET,
            "GOODWORK_DIALOGUES": str(dialogues),
            "GOODWORK_PACING_MS": "0",
            "GOODWORK_HOURS": "mon-sun 00:00-23:59",
            "GOODWORK_DIGEST": "off",
            "GOODWORK_SEND_RATE": str(SEND_RATE),
        }
        instances = [instance(name, tg, env, tmp_path) for name in ("a", "b")]
        try:
            async with round_robin([port_of(bot) for bot in instances]) as proxy:
                tg.deliver_to(proxy)
                for bot in instances:
                    bot.start()
                    await ready(bot)
                walked = await walk_and_kill(tg, instances, url)
                deadline = time.monotonic() + DRAIN
                while not await outbox_done(url):
                    assert time.monotonic() < deadline, f"the outbox did not empty: {await left_over(url)}"
                    await asyncio.sleep(0.5)
                with contextlib.suppress(TimeoutError):
                    await tg.settled(timeout=PATIENCE)
        except BaseException:
            for bot in instances:
                print(f"--- instance {name_of(bot)}:\n{bot.log_tail(4000)}", file=sys.stderr)
            raise
        finally:
            for bot in instances:
                await bot.stop(grace=15.0)

        async with await PostgresStore.open(url, keys=keys) as store:
            for walker in walked.walkers:
                walker.check(await store.load_state(keys.telegram(walker.person.user_id).person, DIALOGUE))
            outbox = await store.outbox_status()

    assert walked.figures.actions > PEOPLE * 3, "people walked the dialogue"
    assert sum(len(bot.starts) for bot in instances) == 3, "one instance was killed and started again"
    assert walked.figures.lost == 0, f"answers lost: {walked.figures}"
    assert walked.figures.twice == 0, f"steps applied twice: {walked.figures}"
    sent = [call for call in tg.calls_to("sendMessage") if int(call.params["chat_id"]) in set(chats)]
    per_chat = Counter(int(call.params["chat_id"]) for call in sent)
    assert sorted(per_chat) == chats, "every follow-up went out"
    again = sum(count - 1 for count in per_chat.values())
    assert again <= outbox["unknown"], f"{again} follow-up(s) went twice, {outbox['unknown']} counted unknown"
    assert outbox["unknown"] <= in_flight(SEND_RATE), "no more counted unknown than were claimed ahead"
    assert outbox.get("sent") == FOLLOWUPS and outbox.get("pending") == FOLLOWUPS, "sent, each with its reminder"
    busiest = busiest_second([call.at for call in sent])
    span = max(call.at for call in sent) - min(call.at for call in sent)
    print(
        f"two instances: {walked.figures}, follow-ups {len(sent)} ({again} again, {outbox['unknown']} unknown), "
        f"busiest second {busiest}",
        file=sys.stderr,
    )
    # The sender never takes more than SEND_RATE in a second, and one taking over waits a second first; arriving
    # here, late ones of one second can land with the next on a loaded machine (64-72 seen at 60). Two instances
    # sending at once would make it up to twice that.
    assert busiest <= SEND_RATE * 1.3, "the send rate is shared, not doubled"
    assert len(sent) / span <= SEND_RATE


@dataclass
class Walk:
    figures: Tally
    walkers: list[CrashWalker]


async def walk_and_kill(tg: MarkedTelegram, instances: Sequence[BotProcess], url: str) -> Walk:
    """People walk the bench dialogue; a third of the way in, the instance that sends is killed, and started
    again once the other has taken over sending."""
    rng, tally, bot = random.Random(5), Tally(), Both(instances)
    people = [tg.person(FIRST_ID + n * ID_STRIDE, language_code="en") for n in range(PEOPLE)]
    walkers = [CrashWalker(tg, person, random.Random(rng.random()), bot, tally, PATIENCE) for person in people]
    await asyncio.gather(*(chose_english(w.person, PATIENCE) for w in walkers))
    ends = time.monotonic() + WALK_SECONDS

    async def kill() -> None:
        """The sender dies; the other instance takes over sending; then the killed one is started again."""
        await asyncio.sleep(WALK_SECONDS / 3)
        name = await sender_instance(url)
        victim = next(bot for bot in instances if name_of(bot) == name)
        await victim.kill()
        deadline = time.monotonic() + TAKE_OVER
        while await sender_instance(url) in (None, name_of(victim)):
            assert time.monotonic() < deadline, "no instance took over sending"
            await asyncio.sleep(0.5)
        victim.start()
        await ready(victim)

    await asyncio.gather(kill(), *(walk(w, PAUSE, ends) for w in walkers))
    return Walk(tally, walkers)
