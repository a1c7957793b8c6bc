"""One dialogue step, end to end: read the state, run the engine, commit, hand back what to show.

The Telegram layer and the terminal player both go through ``Conversations``;
neither touches the engine's state or the store directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.dialogue import engine
from bot.dialogue.events import Answered, Chosen, Event, Output, Start
from bot.dialogue.model import Dialogue, DialogueId
from bot.dialogue.state import State
from bot.store.catalogue import Catalogue
from bot.store.errors import ConflictError, RepeatedUpdateError
from bot.store.keys import Pseudonym
from bot.store.protocol import Saved, StepRecord, Store

ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a step produced: what to show, and the state it left."""

    outputs: tuple[Output, ...]
    state: State | None


class Conversations:
    def __init__(self, store: Store, catalogue: Catalogue) -> None:
        self.store, self.catalogue = store, catalogue

    async def apply(
        self,
        person: Pseudonym,
        dialogue: DialogueId,
        event: Event,
        update_id: int | None = None,
        version: int | None = None,
    ) -> Outcome:
        """Apply ``event`` and commit it; an EngineError leaves everything as it was.

        With ``update_id``, a Telegram update that was applied before raises RepeatedUpdateError.
        ``version``, from a button, must be the version the conversation is on.
        Two steps racing on one conversation (a double tap) cannot both win: the
        loser is recomputed on the winner's state, where its button is usually stale.
        """
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await self._attempt(person, dialogue, event, update_id, version)
            except ConflictError:
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    async def current(self, person: Pseudonym, dialogue: DialogueId) -> Outcome | None:
        """The open question of a stored conversation, to continue it; None if there is none or it ended."""
        saved = await self.store.load_state(person, dialogue)
        if saved is None or saved.state.done:
            return None
        pinned = await self.catalogue.get(dialogue, saved.state.version)
        return Outcome(engine.current(pinned, saved.state), saved.state)

    async def where(self, person: Pseudonym, dialogue: DialogueId) -> Outcome | None:
        """Where a stored conversation stands: its open question, or its ending; None if there is none."""
        saved = await self.store.load_state(person, dialogue)
        if saved is None:
            return None
        pinned = await self.catalogue.get(dialogue, saved.state.version)
        return Outcome(engine.where(pinned, saved.state), saved.state)

    async def _attempt(
        self, person: Pseudonym, dialogue: DialogueId, event: Event, update_id: int | None, version: int | None
    ) -> Outcome:
        saved = await self.store.load_state(person, dialogue)
        loaded = await self._dialogue(dialogue, saved, event)
        try:
            if version is not None and (saved is None or saved.state.version != version):
                raise engine.StaleError(f"that button belongs to version {version} of {dialogue!r}")
            transition = engine.step(loaded, saved.state if saved else None, event)
        except engine.EngineError:
            if update_id is not None and await self.store.seen_update(update_id):
                raise RepeatedUpdateError(f"update {update_id} was applied before") from None
            raise
        records = tuple(o for o in transition.outputs if isinstance(o, Chosen | Answered))
        revision = saved.revision if saved else None
        started = isinstance(event, Start)
        await self.store.commit_step(StepRecord(person, transition.state, revision, records, update_id, started))
        return Outcome(transition.outputs, transition.state)

    async def _dialogue(self, dialogue: DialogueId, saved: Saved | None, event: Event) -> Dialogue:
        """The newest version to start on; the pinned one to go on with."""
        if saved is None or isinstance(event, Start):
            return await self.catalogue.get(dialogue)
        return await self.catalogue.get(dialogue, saved.state.version)
