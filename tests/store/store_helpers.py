"""Small steps shared by the store tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.dialogue import engine
from bot.dialogue.loader import load_dialogue
from bot.dialogue.model import DialogueId
from bot.store.keys import Pseudonym
from bot.store.protocol import Saved, StepRecord, Store


async def sample_start(store: Store, person: Pseudonym, source: bytes, update_id: int | None = None) -> Saved:
    """Publish the sample dialogue (once) and start it for ``person``: revision 1."""
    version = await store.publish(DialogueId("sample"), source.decode(), "test")
    state = engine.start(load_dialogue(source, "sample.yaml"), "en").state
    saved = await store.commit_step(
        StepRecord(person, replace(state, version=version.number), None, update_id=update_id)
    )
    assert saved is not None
    return saved


class FakeClock:
    """Time that moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
