"""Anonymity that survives a stolen database; export and erase of one person; nothing personal in logs."""

from __future__ import annotations

import json
import logging
import random
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from store_helpers import FakeClock

from bot.cli.main import configure_logging
from bot.dialogue import engine
from bot.dialogue.events import Answer, Choose, Skip, Start
from bot.dialogue.model import DialogueId
from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations
from bot.store.keys import Identity, Keys
from bot.store.postgres import PostgresStore
from bot.store.protocol import Store
from bot.store.sqlite import SqliteStore
from bot.store.sqlite_schema import PERSONAL_TABLES

SAMPLE = DialogueId("sample")


async def play_sample(conversations: Conversations, store: Store, who: Identity, chat_id: int, text: str) -> None:
    """One person's whole conversation: join, start, choose, reflect (or skip), reflect again where asked."""
    await store.save_participant(who.contact, chat_id)
    outcome = await conversations.apply(who.person, SAMPLE, Start("en"))
    asked = engine.question(outcome.outputs)
    assert isinstance(asked, engine.AskChoice)
    outcome = await conversations.apply(who.person, SAMPLE, Choose(asked.options[chat_id % 2].id))
    first = Skip() if chat_id % 3 == 0 else Answer(f"{text} (first)")
    outcome = await conversations.apply(who.person, SAMPLE, first)
    if outcome.state is not None and not outcome.state.done:
        await conversations.apply(who.person, SAMPLE, Answer(f"{text} (second)"))


async def fill(store: Store, keys: Keys, clock: FakeClock, source: bytes, people: int) -> list[int]:
    """``people`` people over several weeks, a few per day, in a known order; their user ids."""
    conversations = Conversations(store, Catalogue(store))
    await conversations.catalogue.publish(source, "sample.yaml", "test")
    rng = random.Random(7)
    user_ids = rng.sample(range(10_000_000, 99_999_999), people)
    for number, user_id in enumerate(user_ids):
        clock.advance(hours=rng.choice([0, 1, 7, 30]))
        await play_sample(conversations, store, keys.telegram(user_id), user_id, f"thought number {number}")
    return user_ids


async def dump(store: Store) -> dict[str, list[dict[str, Any]]]:
    """What a thief sees: every row of every table, read without the secret, in the order they are stored."""
    if isinstance(store, SqliteStore):
        with sqlite3.connect(store.path) as db:
            db.row_factory = sqlite3.Row
            names = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {name: [dict(row) for row in db.execute(f"SELECT * FROM {name}")] for name in names}
    assert isinstance(store, PostgresStore)
    db = await asyncpg.connect(store.url)
    try:
        names = [
            row[0] for row in await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ]
        return {name: [dict(row) for row in await db.fetch(f"SELECT * FROM {name} ORDER BY ctid")] for name in names}
    finally:
        await db.close()


def side_tables(side: str) -> list[str]:
    return [table for table, (owner, _) in PERSONAL_TABLES.items() if owner == side]


async def test_stolen_database_cannot_link_reflections_to_people(
    store: Store, keys: Keys, clock: FakeClock, sample_source: bytes, tmp_path: Path
) -> None:
    """Without the secret no value, join or row order maps a reflection or a choice to a chat id or user id."""
    user_ids = await fill(store, keys, clock, sample_source, people=60)
    tables = await dump(store)
    contact_rows = [row for table in side_tables("contact") for row in tables[table]]
    reached = [await store.participant(keys.telegram(user_id).contact) for user_id in user_ids]
    assert [p.chat_id if p else None for p in reached] == user_ids, "with the secret, the contact side reaches people"
    for row in (row for rows in tables.values() for row in rows):
        assert not any(str(user_id) in str(value) for value in row.values() for user_id in user_ids), row
    identifying = {*user_ids, *map(str, user_ids), *(row["contact"] for row in contact_rows)}

    for table in (t for t in tables if t not in side_tables("contact")):
        for row in tables[table]:
            for value in row.values():
                text = str(value)
                assert not any(str(mark) in text for mark in identifying if len(str(mark)) >= 8), (table, value)

    for column, value in shared_values(tables):
        holders = sum(1 for row in contact_rows if row.get(column) == value)
        assert holders >= 5, f"{column}={value!r} is shared by {holders} contact(s): a join key"

    if isinstance(store, PostgresStore):
        return  # PostgreSQL keeps rows as they come, with the id of the transaction that wrote them (README)
    for table in side_tables("person"):
        order = [user_ids.index(_owner(keys, row, user_ids)) for row in tables[table]]
        assert abs(_rank_correlation(order)) < 0.5, f"{table} rows lie in the order people arrived"


def shared_values(tables: dict[str, list[dict[str, Any]]]) -> set[tuple[str, Any]]:
    """(contact column, value) pairs whose value also occurs anywhere on the person side."""
    person_values = {value for table in side_tables("person") for row in tables[table] for value in row.values()}
    return {
        (column, value)
        for table in side_tables("contact")
        for row in tables[table]
        for column, value in row.items()
        if value in person_values
    }


def _owner(keys: Keys, row: dict[str, Any], user_ids: list[int]) -> int:
    """Test-side only (it holds the secret): whose row this is."""
    return next(user_id for user_id in user_ids if keys.telegram(user_id).person == row["person"])


def _rank_correlation(order: list[int]) -> float:
    n = len(order)
    ranks = sorted(range(n), key=order.__getitem__)
    rank_of = {position: rank for rank, position in enumerate(ranks)}
    d2 = sum((position - rank_of[position]) ** 2 for position in range(n))
    return 1 - 6 * d2 / (n * (n * n - 1)) if n > 2 else 0.0


async def test_person_side_rows_have_no_sequence(
    store: Store, keys: Keys, clock: FakeClock, sample_source: bytes, tmp_path: Path
) -> None:
    """Choice and reflection rows carry random ids and a day, never a time of day."""
    await fill(store, keys, clock, sample_source, people=12)
    tables = await dump(store)
    for table in ("choices", "reflections"):
        ids = [row["id"] for row in tables[table]]
        assert min(ids) > 2**32 and len(set(ids)) == len(ids), "ids are random, not 1, 2, 3, ..."
        assert all(len(row["day"]) == 10 for row in tables[table])
    assert all("W" in row["seen_week"] for row in tables["participants"])


async def test_export_holds_everything_of_one_person(
    store: Store, keys: Keys, clock: FakeClock, sample_source: bytes
) -> None:
    """The export (what /mydata sends) is JSON with the person's contact, conversation, choices and reflections."""
    user_ids = await fill(store, keys, clock, sample_source, people=3)
    me = user_ids[0]
    exported = await store.export(keys.telegram(me))
    assert json.loads(json.dumps(exported)) == exported
    assert exported["participants"][0]["chat_id"] == me
    assert exported["conversations"][0]["state"]["dialogue"] == "sample"
    assert len(exported["choices"]) == 1
    texts = {r["text"] for r in exported["reflections"]}
    assert texts and texts <= {"thought number 0 (first)", "thought number 0 (second)"}
    everyone_else = json.dumps(exported)
    assert not any(str(other) in everyone_else for other in user_ids[1:])
    assert set(exported) == {"format", *PERSONAL_TABLES}


async def test_erase_removes_one_person_and_nothing_else(
    store: Store, keys: Keys, clock: FakeClock, sample_source: bytes
) -> None:
    """After erase the person's export is empty and everyone else's is exactly as it was."""
    user_ids = await fill(store, keys, clock, sample_source, people=6)
    others = {u: await store.export(keys.telegram(u)) for u in user_ids[1:]}
    erased = await store.erase(keys.telegram(user_ids[0]))
    assert erased >= 5
    empty = await store.export(keys.telegram(user_ids[0]))
    assert all(empty[table] == [] for table in PERSONAL_TABLES)
    assert {u: await store.export(keys.telegram(u)) for u in user_ids[1:]} == others
    assert await store.erase(keys.telegram(user_ids[0])) == 0


async def test_erased_text_is_gone_from_the_files(
    tmp_path: Path, keys: Keys, clock: FakeClock, sample_source: bytes
) -> None:
    """The erased reflection is in no byte of the database, its WAL or shared memory; others' text stays."""
    path = tmp_path / "db.sqlite3"
    async with await SqliteStore.open(path, keys=keys, clock=clock) as store:
        conversations = Conversations(store, Catalogue(store))
        await conversations.catalogue.publish(sample_source, "sample.yaml", "test")
        await play_sample(conversations, store, keys.telegram(1), 1, "SENTINEL-4f1c9 my honest doubt")
        await play_sample(conversations, store, keys.telegram(2), 2, "KEEPME-77a2 another view")
        assert b"SENTINEL-4f1c9" in raw(path), "the test must see the text before it is erased"
        await store.erase(keys.telegram(1))
        assert b"SENTINEL-4f1c9" not in raw(path) and b"KEEPME-77a2" in raw(path)


def raw(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def test_no_personal_data_in_logs(
    store: Store, keys: Keys, sample_source: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """At the most verbose level, no reflection text and no Telegram id reaches a log line."""
    configure_logging(verbose=True)
    caplog.set_level(logging.DEBUG)
    conversations = Conversations(store, Catalogue(store))
    await conversations.catalogue.publish(sample_source, "sample.yaml", "test")
    await play_sample(conversations, store, keys.telegram(73_512_977), 73_512_977, "SENTINEL-b81e private words")
    await store.export(keys.telegram(73_512_977))
    await store.erase(keys.telegram(73_512_977))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "SENTINEL-b81e" not in logged and "73512977" not in logged


async def test_library_debug_logs_would_leak(tmp_path: Path, keys: Keys, caplog: pytest.LogCaptureFixture) -> None:
    """Why aiosqlite stays at WARNING: at DEBUG it logs the SQL parameters of every call (asyncpg logs none)."""
    logging.getLogger("aiosqlite").setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        async with await SqliteStore.open(tmp_path / "db.sqlite3", keys=keys) as store:
            await store.seen_update(31_415_926)
    finally:
        logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    assert "31415926" in "\n".join(record.getMessage() for record in caplog.records)
