"""Several instances on one database: the inbox rows each took, the turn to send, one person at a time,
and outbox rows claimed once. On PostgreSQL with two stores (two instances); on SQLite what one file promises."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import pytest
from pg import fresh_schema
from store_helpers import FakeClock

from bot.dialogue.model import DialogueId
from bot.store.keys import Keys, Pseudonym
from bot.store.postgres import PostgresStore
from bot.store.protocol import LOOP_STALE, Planned, Store
from bot.store.sqlite import SqliteStore


@pytest.fixture
async def two(keys: Keys, clock: FakeClock) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """Instances "a" and "b" on one PostgreSQL schema."""
    async with (
        fresh_schema() as url,
        await PostgresStore.open(url, keys=keys, clock=clock, instance="a") as a,
        await PostgresStore.open(url, keys=keys, clock=clock, instance="b") as b,
    ):
        yield a, b


async def test_an_instance_takes_back_its_own_kept_updates(store: Store, clock: FakeClock) -> None:
    """Restarted, an instance handles the updates it kept; asked only for others', it gets none of its own."""
    await store.spill([(11, '{"update_id": 11}'), (10, '{"update_id": 10}')])
    assert await store.spilled(others_only=True) == []
    assert await store.spilled() == [(10, '{"update_id": 10}'), (11, '{"update_id": 11}')]


async def test_kept_updates_of_a_stopped_instance_are_taken_over(
    two: tuple[PostgresStore, PostgresStore], clock: FakeClock
) -> None:
    """While "a" beats, its kept updates stay its own; once its receiving loop is silent for LOOP_STALE,
    "b" takes them over, and then they are b's (a restarting "a" does not get them as well)."""
    a, b = two
    await a.beat("a", "webhook", clock())
    await a.spill([(21, '{"update_id": 21}')])
    assert await b.spilled(others_only=True) == []
    clock.advance(seconds=LOOP_STALE.total_seconds() + 1)
    await b.beat("b", "webhook", clock())
    assert await b.spilled(others_only=True) == [(21, '{"update_id": 21}')]
    assert await a.spilled() == []
    assert await b.spilled() == [(21, '{"update_id": 21}')]


async def test_one_instance_sends_at_a_time_and_another_takes_over(
    two: tuple[PostgresStore, PostgresStore], keys: Keys, clock: FakeClock
) -> None:
    a, b = two
    assert await a.take_sending() and await a.take_sending(), "the turn is kept"
    assert not await b.take_sending()
    await a.close()  # as when its process dies: the server drops its connection and the turn with it
    assert await b.take_sending()


async def test_one_persons_updates_wait_for_each_other_across_instances(
    two: tuple[PostgresStore, PostgresStore],
) -> None:
    """While "a" handles an update of one person, "b" waits to handle theirs; another person's goes on."""
    a, b = two
    one, other = Pseudonym("c" * 32), Pseudonym("d" * 32)
    order: list[str] = []
    async with a.serialised(one):
        waiting = asyncio.create_task(_hold(b, one, order, "b: one"))
        async with b.serialised(other):
            order.append("b: other")
        await asyncio.sleep(0.2)
        order.append("a: one done")
    await asyncio.wait_for(waiting, 5)
    assert order == ["b: other", "a: one done", "b: one"]


async def _hold(store: PostgresStore, contact: Pseudonym, order: list[str], what: str) -> None:
    async with store.serialised(contact):
        order.append(what)


async def test_due_rows_are_claimed_by_one_instance_only(
    two: tuple[PostgresStore, PostgresStore], keys: Keys, clock: FakeClock
) -> None:
    """Claims at the same moment from two instances share the due rows out: none is claimed twice."""
    a, b = two
    tranche = await a.open_tranche("course", "spring", date(2026, 11, 1), "trainer")
    plan = [Planned(clock() - timedelta(minutes=1), DialogueId("followup"))]
    for n in range(120):
        contact = keys.telegram(5_000 + n).contact
        await a.save_participant(contact, 5_000 + n)
        await a.enrol(contact, tranche.code, plan)
    claims = await asyncio.gather(*(store.claim_due(clock(), 7) for store in (a, b) * 12))
    ids = [row.id for rows in claims for row in rows]
    assert len(ids) == len(set(ids)) and (await a.outbox_status())["sending"] == len(ids)
    assert len(ids) > 0


async def test_sqlite_is_one_instance(tmp_path: Path, keys: Keys) -> None:
    """A file has one instance: it always has the turn, and waits for no one."""
    async with await SqliteStore.open(tmp_path / "db.sqlite3", keys=keys) as store:
        assert await store.take_sending()
        async with store.serialised(Pseudonym("e" * 32)), store.serialised(Pseudonym("e" * 32)):
            pass


async def test_a_version_published_by_two_instances_at_once_is_one_version(
    two: tuple[PostgresStore, PostgresStore],
) -> None:
    """Instances starting together publish the dialogues folder together: each text becomes one version."""
    a, b = two
    await asyncio.gather(*(s.publish(DialogueId("d"), "id: d\n", "goodwork run") for s in (a, b, a, b)))
    assert [v.number for v in await a.versions(DialogueId("d"))] == [1]


async def _drop_connections(url: str, instance: str) -> int:
    """What a database restart (or a network cut) does to an instance: the server ends its connections."""
    admin = await asyncpg.connect(url)
    try:
        return len(
            await admin.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                f"goodwork {instance}",
            )
        )
    finally:
        await admin.close()


async def test_an_instance_comes_back_after_the_server_dropped_its_connections(
    two: tuple[PostgresStore, PostgresStore], keys: Keys
) -> None:
    """Its pooled connections and its people's lock sessions are made again, and the other instance can take
    the turn to send that went with a's connection."""
    a, b = two
    contact = keys.telegram(61).contact
    await a.save_participant(contact, 61)
    async with a.serialised(contact):
        pass
    assert await a.take_sending()
    assert await _drop_connections(a.url, "a") >= 3
    with contextlib.suppress(Exception):  # at once: the lock's session may still look open, and fail
        async with a.serialised(contact):
            pass
    await asyncio.sleep(0.5)  # a restart takes longer than that; calls made meanwhile fail, and their callers say so
    for _ in range(4):
        assert (await a.participant(contact)) is not None
    assert await b.take_sending(), "the turn went with a's connection"
    assert not await a.take_sending()
    async with a.serialised(contact):  # a new session for the person's lock
        assert await a.participant(contact) is not None
