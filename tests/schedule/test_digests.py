"""Weekly digests are queued once per person and week, at a spread minute of the digest morning, in working hours."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Weekly
from bot.schedule.calendar import WorkingHours
from bot.schedule.digests import DigestPlanner, iso_week, week_moment
from bot.store.keys import Keys
from bot.store.protocol import Queued
from bot.store.sqlite import SqliteStore

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
KEYS = Keys("digest-tests-secret-" + "d" * 32)
HOURS = WorkingHours()
MONDAY = Weekly()  # the default: Monday 09:00


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMSTERDAM)  # type: ignore[misc]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with await SqliteStore.open(tmp_path / "digests.sqlite3", keys=KEYS) as opened:
        yield opened


async def people(store: SqliteStore, count: int, start: int = 1) -> None:
    for number in range(start, start + count):
        await store.save_participant(KEYS.telegram(number).contact, number)
        await store.update_participant(KEYS.telegram(number).contact, language="nl")


def planner(
    store: SqliteStore, clock: Clock, weekly: Weekly | None = MONDAY, trainers: frozenset[int] = frozenset()
) -> DigestPlanner:
    return DigestPlanner(store, KEYS, HOURS, weekly, trainers, clock)


async def queued(store: SqliteStore, until: datetime) -> list[Queued]:
    return await store.claim_due(until, limit=10_000)


async def test_digests_are_spread_over_the_digest_morning(store: SqliteStore) -> None:
    """On Monday 09:00 everyone's digest is queued at a stable minute between 09:00 and 12:00, in working hours."""
    await people(store, 40)
    clock = Clock(local(2026, 11, 30, 9, 0))
    assert await planner(store, clock).queue() == (40, 0)
    rows = await queued(store, local(2026, 12, 7))
    times = [row.due.astimezone(AMSTERDAM) for row in rows]
    assert all(t.date() == date(2026, 11, 30) and 9 <= t.hour < 12 and HOURS.is_open(t) for t in times)
    assert len({t.minute + 60 * t.hour for t in times}) > 20, "spread, not all at 09:00"
    assert {row.kind for row in rows} == {"digest"} and {row.week for row in rows} == {"2026-W49"}


async def test_a_holiday_after_a_daylight_saving_change_moves_the_digests(store: SqliteStore) -> None:
    """Easter Monday 2027, the day after clocks go forward, is skipped: the digests come Tuesday morning, local time."""
    await people(store, 10)
    clock = Clock(local(2027, 3, 29, 9, 30))
    assert iso_week(clock(), AMSTERDAM) == "2027-W13"
    await planner(store, clock).queue()
    times = [row.due.astimezone(AMSTERDAM) for row in await queued(store, local(2027, 4, 5))]
    assert all(t.date() == date(2027, 3, 30) and 9 <= t.hour < 12 for t in times)
    assert all(t.utcoffset() == timedelta(hours=2) for t in times)


async def test_once_per_week_across_restarts(store: SqliteStore) -> None:
    """A second planner (the bot restarted) and the command line queue nothing more that week; the next week, again."""
    await people(store, 5)
    clock = Clock(local(2026, 11, 30, 10, 0))
    assert await planner(store, clock).queue() == (5, 0)
    assert await planner(store, clock).queue() == (0, 0)
    assert await planner(store, clock).queue(at_once=True) == (0, 0)
    await people(store, 1, start=100)  # joined on Wednesday: gets this week's digest too
    clock.now = local(2026, 12, 2, 15, 0)
    assert await planner(store, clock).queue() == (1, 0)
    clock.now = local(2026, 12, 7, 9, 0)
    assert await planner(store, clock).queue() == (6, 0)


async def test_queued_at_once_for_a_given_week(store: SqliteStore) -> None:
    """The command line queues a given week's digests due now, without the spread."""
    await people(store, 3)
    clock = Clock(local(2026, 12, 3, 14, 0))
    assert await planner(store, clock).queue("2026-W50", at_once=True) == (3, 0)
    rows = await queued(store, clock())
    assert [row.due for row in rows] == [clock().astimezone(UTC)] * 3 and {row.week for row in rows} == {"2026-W50"}


async def test_the_running_planner_waits_for_the_moment_and_stops_when_off(store: SqliteStore) -> None:
    """Before Monday 09:00 nothing is queued; from then on it is; with GOODWORK_DIGEST=off nothing ever is."""
    await people(store, 2)
    clock = Clock(local(2026, 11, 30, 8, 59))
    looks: list[float] = []

    async def sleep(seconds: float) -> None:
        looks.append(seconds)
        clock.now += timedelta(minutes=5)
        if len(looks) == 3:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await planner(store, clock).run(sleep=sleep)
    assert len(await queued(store, local(2026, 12, 7))) == 2
    await planner(store, Clock(local(2026, 12, 8, 10, 0)), weekly=None).run(sleep=sleep)
    assert await queued(store, local(2026, 12, 15)) == []


async def test_trainers_get_a_digest_per_tranche_they_follow(store: SqliteStore) -> None:
    """A tranche opened by a trainer goes to that trainer; one opened without goes to every trainer; a tranche
    whose course is still ahead, or closed long ago, goes to nobody."""
    await people(store, 3, start=900)  # three trainers: 900 and 901 in GOODWORK_TRAINERS, 902 invited
    await store._writer.transaction(
        lambda db: db.execute(
            "INSERT INTO trainers (contact, since) VALUES (?, '2026-01-01')", (KEYS.telegram(902).contact,)
        )
    )
    day = date(2026, 11, 20)
    followed = await store.open_tranche("art", "Utrecht", day, "chat", trainer=KEYS.telegram(901).contact)
    await store.open_tranche("art", "Zwolle", day, "command line")
    await store.open_tranche("art", "Later", day + timedelta(days=30), "command line")
    old = await store.open_tranche("art", "Old", day - timedelta(weeks=30), "command line")
    await store.close_tranche(old.code)
    clock = Clock(local(2026, 11, 30, 9, 0))
    assert await planner(store, clock, trainers=frozenset({900, 901})).queue() == (3, 4)
    rows = [row for row in await queued(store, local(2026, 12, 7)) if row.kind == "tranche-digest"]
    by_tranche = {row.tranche: set() for row in rows}
    for row in rows:
        by_tranche[row.tranche].add(row.contact)
    assert by_tranche[followed.code] == {KEYS.telegram(901).contact}
    assert len(by_tranche) == 2 and len([t for t in by_tranche if t != followed.code]) == 1
    assert next(v for t, v in by_tranche.items() if t != followed.code) == {
        KEYS.telegram(n).contact for n in (900, 901, 902)
    }


def test_a_malformed_week_is_refused() -> None:
    """A week that is not of that year is a clear error."""
    with pytest.raises(ValueError, match="expected a week like 2026-W50"):
        week_moment("2026-W60", Weekly(), AMSTERDAM)
