"""A group commit: what arrives while one write is under way goes into the next write, all together.

Each caller of ``add`` returns once the write that holds its item is done, or
raises what that write raised, as if it had written alone; meanwhile only one
write runs at a time. Under load this turns many small transactions into a few
larger ones (the outbox marks sent rows so; the webhook keeps and releases
updates in the inbox so); alone, an item is written at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommit(Generic[T]):
    def __init__(self, write: Callable[[Sequence[T]], Awaitable[None]]) -> None:
        self.write = write
        self._waiting: list[tuple[T, asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def add(self, item: T) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_waiting())
        await asyncio.shield(done)  # a cancelled caller leaves the others' write alone

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self.write([item for item, _ in batch])
            except Exception as exc:
                _settle(batch, exc)
            except BaseException:  # cancelled (shutting down): no one is left waiting for good
                for _, done in [*batch, *self._waiting]:
                    done.cancel()
                self._waiting = []
                raise
            else:
                _settle(batch, None)


def _settle(batch: list[tuple[T, asyncio.Future[None]]], error: Exception | None) -> None:
    """Each caller gets ``error``, or returns (one that gave up waiting is left alone)."""
    for _, done in batch:
        if done.done():
            continue
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(None)
