"""Fixtures for store tests: a fresh database per test, for every Store implementation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from pg import fresh_schema
from store_helpers import FakeClock

from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations
from bot.store.keys import Keys
from bot.store.postgres import PostgresStore
from bot.store.protocol import Store
from bot.store.sqlite import SqliteStore

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "dialogue" / "data" / "sample.yaml"
SECRET = "test-secret-" + "x" * 32


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(SECRET)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@asynccontextmanager
async def open_sqlite(path: Path, keys: Keys, clock: FakeClock) -> AsyncIterator[Store]:
    async with await SqliteStore.open(path, keys=keys, clock=clock) as store:
        yield store


@asynccontextmanager
async def open_postgres(path: Path, keys: Keys, clock: FakeClock) -> AsyncIterator[Store]:
    async with fresh_schema() as url, await PostgresStore.open(url, keys=keys, clock=clock) as store:
        yield store


IMPLEMENTATIONS = {"sqlite": open_sqlite, "postgres": open_postgres}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
async def store(request: pytest.FixtureRequest, tmp_path: Path, keys: Keys, clock: FakeClock) -> AsyncIterator[Store]:
    """The same test on every implementation: a new SQLite file, and a new schema on the PostgreSQL server."""
    async with IMPLEMENTATIONS[request.param](tmp_path / "goodwork.sqlite3", keys, clock) as opened:
        yield opened


@pytest.fixture
def catalogue(store: Store) -> Catalogue:
    return Catalogue(store)


@pytest.fixture
def conversations(store: Store, catalogue: Catalogue) -> Conversations:
    return Conversations(store, catalogue)


@pytest.fixture
def sample_source() -> bytes:
    return SAMPLE.read_bytes()
