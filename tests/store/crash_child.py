"""Child process for ``test_crash.py``: steps dialogues until it is killed.

    python tests/store/crash_child.py DBPATH SEED

Several people step through ``dialogues/martin.yaml`` at once, each step one
``Conversations.apply`` with its own update id (``SEED * 100,000 + n``). After
each commit returns it prints one line and flushes:

    committed <update_id> <person> <node or -> <marker, skip or ->

``node`` and the last field describe the reflection the step wrote: a unique
marker ``r-<SEED>-<k>`` at the start of the answer text, ``skip`` for a skipped one
(which deletes an earlier answer), ``-`` for a step that wrote none. Every run
of the dialogue is a new person, who meets each question at most once. The child stops by itself after ``LIMIT_SECONDS``
or ``LIMIT_STEPS`` steps, so it can never run forever.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from pathlib import Path

from bot.dialogue import engine
from bot.dialogue.events import Answer, Answered, AskChoice, AskText, Choose, Event, Skip, Start
from bot.dialogue.model import DialogueId
from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations
from bot.store.keys import Keys
from bot.store.sqlite import SqliteStore

ROOT = Path(__file__).parents[2]
SECRET = "crash-test-secret-" + "x" * 32
PEOPLE = 4  # concurrent writers
LIMIT_SECONDS = 20.0
LIMIT_STEPS = 100_000  # also keeps update ids of different seeds apart
WORDS = ("duty", "doubt", "loyal", "fair", "people", "rules", "voice", "mission", "trust", "care")


class Child:
    def __init__(self, conversations: Conversations, dialogue: DialogueId, keys: Keys, seed: int) -> None:
        self.conversations, self.dialogue, self.keys, self.seed = conversations, dialogue, keys, seed
        self.rng = random.Random(seed)
        self.steps, self.runs, self.markers = 0, 0, 0
        self.deadline = time.monotonic() + LIMIT_SECONDS

    def more(self) -> bool:
        return self.steps < LIMIT_STEPS and time.monotonic() < self.deadline

    async def person(self) -> None:
        """Play the dialogue to its end again and again, as a new person each time."""
        while self.more():
            self.runs += 1
            who = self.keys.identity(f"crash:{self.seed}:{self.runs}")
            event: Event | None = Start(self.rng.choice(["en", "nl"]))
            answered_nodes: set[str] = set()
            while event is not None and self.more():
                n = self.steps
                self.steps += 1
                update_id = self.seed * LIMIT_STEPS + n
                outcome = await self.conversations.apply(who.person, self.dialogue, event, update_id=update_id)
                answered = next((o for o in outcome.outputs if isinstance(o, Answered)), None)
                node = answered.node if answered else "-"
                marker = "-" if answered is None else "skip" if answered.text is None else answered.text.split()[0]
                sys.stdout.write(f"committed {update_id} {who.person} {node} {marker}\n")
                sys.stdout.flush()
                assert outcome.state is not None
                asked = engine.question(outcome.outputs)
                if outcome.state.done or asked is None or asked.node in answered_nodes:
                    break  # a reflection is written at most once per person, so the last report is the last write
                answered_nodes.add(asked.node)
                event = self.answer(asked)

    def answer(self, asked: AskChoice | AskText) -> Event:
        """A random answer to ``asked``; a written one starts with a new marker."""
        if isinstance(asked, AskChoice):
            return Choose(self.rng.choice(asked.options).id)
        if asked.skip_data is not None and self.rng.random() < 0.2:
            return Skip()
        words = " ".join(self.rng.choices(WORDS, k=self.rng.randint(4, 30)))
        self.markers += 1
        return Answer(f"r-{self.seed}-{self.markers} {words}")


async def run(path: Path, seed: int) -> None:
    keys = Keys(SECRET)
    async with await SqliteStore.open(path, keys=keys) as store:
        catalogue = Catalogue(store)
        dialogue = await catalogue.publish((ROOT / "dialogues" / "martin.yaml").read_bytes(), "martin.yaml", "crash")
        child = Child(Conversations(store, catalogue), dialogue.id, keys, seed)
        await asyncio.gather(*(child.person() for _ in range(PEOPLE)))


if __name__ == "__main__":
    run_path, run_seed = Path(sys.argv[1]), int(sys.argv[2])
    asyncio.run(run(run_path, run_seed))
