"""The published catalogue is kept in memory: an update reads no dialogue source and, mostly, no database at all."""

from __future__ import annotations

from typing import Any

import pytest

from bot.dialogue.model import DialogueId
from bot.store import catalogue as catalogue_module
from bot.store.catalogue import Catalogue
from bot.store.errors import UnknownDialogueError
from bot.store.protocol import Store

SAMPLE = DialogueId("sample")


class Counting:
    """Counts the store calls that read published versions."""

    def __init__(self, store: Store) -> None:
        self.store, self.reads = store, {"version": 0, "newest_versions": 0}

    def __getattr__(self, name: str) -> Any:
        if name in self.reads:
            self.reads[name] += 1
        return getattr(self.store, name)


def v2(source: bytes) -> bytes:
    """The same dialogue with a different text: the store's next version."""
    return source + b"\n# revised\n"


async def test_the_newest_version_is_served_from_memory(store: Store, sample_source: bytes) -> None:
    counting = Counting(store)
    catalogue = Catalogue(counting)  # type: ignore[arg-type]
    await catalogue.publish(sample_source, "sample.yaml", "test")
    first = await catalogue.get(SAMPLE)
    listed = await catalogue.published()
    reads_after_first = dict(counting.reads)
    for _ in range(50):
        assert await catalogue.get(SAMPLE) is first
        assert await catalogue.published() == listed
    assert counting.reads == reads_after_first  # 100 lookups, not one query
    assert counting.reads["version"] == 0  # no source read: the published dialogue was remembered


async def test_publishing_in_this_process_is_seen_at_once(store: Store, sample_source: bytes) -> None:
    catalogue = Catalogue(store)
    await catalogue.publish(sample_source, "sample.yaml", "test")
    assert (await catalogue.get(SAMPLE)).version == 1
    await catalogue.publish(v2(sample_source), "sample.yaml", "test")
    assert (await catalogue.get(SAMPLE)).version == 2
    assert [d.version for d in await catalogue.published()] == [2]
    assert (await catalogue.get(SAMPLE, 1)).version == 1  # a pinned conversation keeps its version


async def test_another_process_publishing_is_seen_after_the_refresh(
    store: Store, sample_source: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(catalogue_module.time, "monotonic", lambda: now[0])
    running, other = Catalogue(store), Catalogue(store)  # the bot, and e.g. goodwork dialogues publish
    with pytest.raises(UnknownDialogueError):
        await running.get(SAMPLE)
    await other.publish(sample_source, "sample.yaml", "cli")
    assert (await running.get(SAMPLE)).version == 1  # unknown until now: looked up again at once
    await other.publish(v2(sample_source), "sample.yaml", "cli")
    assert (await running.get(SAMPLE)).version == 1  # within REFRESH: still the one in memory
    now[0] += catalogue_module.REFRESH + 0.1
    assert (await running.get(SAMPLE)).version == 2
