"""Fixtures for store tests: a fresh database per test, for every Store implementation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from store_helpers import FakeClock

from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations
from bot.store.keys import Keys
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


Opener = Callable[..., "AsyncIterator[Store]"]


async def open_sqlite(path: Path, keys: Keys, clock: FakeClock) -> Store:
    return await SqliteStore.open(path, keys=keys, clock=clock)


IMPLEMENTATIONS = {"sqlite": open_sqlite}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
async def store(request: pytest.FixtureRequest, tmp_path: Path, keys: Keys, clock: FakeClock) -> AsyncIterator[Store]:
    opened = await IMPLEMENTATIONS[request.param](tmp_path / "goodwork.sqlite3", keys, clock)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def catalogue(store: Store) -> Catalogue:
    return Catalogue(store)


@pytest.fixture
def conversations(store: Store, catalogue: Catalogue) -> Conversations:
    return Conversations(store, catalogue)


@pytest.fixture
def sample_source() -> bytes:
    return SAMPLE.read_bytes()
