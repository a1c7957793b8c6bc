"""Counts that are shown only when enough people stand behind them.

Every figure the bot or a report shows about people goes through here: below
the threshold ``k`` (``GOODWORK_MIN_GROUP``, default 5) the answer is None,
never a small number that could point at someone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.dialogue.model import DialogueId, NodeId, OptionId
from bot.store.protocol import Store

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Counts(Generic[K]):
    """How many people gave each answer, out of ``total``."""

    total: int
    by_key: Mapping[K, int]

    def share(self, key: K) -> float:
        return self.by_key.get(key, 0) / self.total


def at_least(count: int, k: int) -> int | None:
    """``count`` if at least ``k`` people are behind it, else None."""
    return count if count >= k else None


def guarded(counts: Mapping[K, int], k: int) -> Counts[K] | None:
    """The breakdown if at least ``k`` people answered in all, else None."""
    total = sum(counts.values())
    return Counts(total, dict(counts)) if at_least(total, k) is not None else None


async def peer_choices(store: Store, dialogue: DialogueId, node: NodeId, k: int) -> Counts[OptionId] | None:
    """How colleagues chose at ``node``: each person counted once, shown from ``k`` people on."""
    return guarded(await store.count_choices(dialogue, node), k)
