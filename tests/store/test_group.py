"""``GroupCommit``: what arrives during a write is written together next; each caller sees its own write's fate."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.store.group import GroupCommit


class Writes:
    """A write that takes as long as the test says, and fails when told to."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.fail_next = False

    async def __call__(self, items: Sequence[int]) -> None:
        self.batches.append(list(items))
        await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")


async def test_items_that_arrive_during_a_write_go_into_the_next_one_together() -> None:
    writes = Writes()
    group = GroupCommit(writes)
    first = asyncio.ensure_future(group.add(1))
    await asyncio.sleep(0)
    others = [asyncio.ensure_future(group.add(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    assert writes.batches == [[1]] and not first.done(), "the first write is under way"
    writes.gate.set()
    await asyncio.gather(first, *others)
    assert writes.batches == [[1], [2, 3, 4]]


async def test_a_failed_write_fails_its_own_callers_only() -> None:
    writes = Writes()
    group = GroupCommit(writes)
    writes.fail_next = True
    first = asyncio.ensure_future(group.add(1))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(group.add(2))
    writes.gate.set()
    with pytest.raises(OSError, match="disk full"):
        await first
    await second  # written by the next write, which succeeded
    assert writes.batches == [[1], [2]]


async def test_a_caller_that_gives_up_leaves_the_write_to_the_others() -> None:
    writes = Writes()
    group = GroupCommit(writes)
    impatient = asyncio.ensure_future(group.add(1))
    patient = asyncio.ensure_future(group.add(2))
    await asyncio.sleep(0)
    impatient.cancel()
    writes.gate.set()
    await patient
    assert writes.batches == [[1, 2]], "the item of the caller who left was written all the same"
