"""A course programme in a database, for the commands that count it: tranches, people, finished dialogues."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from bot.dialogue.events import Answer, Choose, Start
from bot.dialogue.model import DialogueId, OptionId
from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations
from bot.store.keys import Keys
from bot.store.sqlite import SqliteStore

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "dialogue" / "data" / "sample.yaml"
COURSE = ROOT / "dialogues" / "courses" / "art-of-connecting.yaml"
SECRET = "programme-secret-" + "r" * 32
REFLECTION = "my manager Petra would not like this"
CHAT = 7_310_000


def programme(database: Path, tranches: dict[str, int], finished: int) -> None:
    """Tranches of the course on 2026-11-23 with that many people; ``finished`` of each finish the sample."""

    async def build() -> None:
        keys = Keys(SECRET)
        async with await SqliteStore.open(database, keys=keys) as store:
            conversations = Conversations(store, Catalogue(store))
            await conversations.catalogue.publish(SAMPLE.read_bytes(), "sample.yaml", "test")
            await conversations.catalogue.publish_course(COURSE.read_bytes(), "art-of-connecting.yaml", "test")
            chat = CHAT
            for name, people in tranches.items():
                tranche = await store.open_tranche("art-of-connecting", name, date(2026, 11, 23), "test")
                for number in range(people):
                    chat += 1
                    await store.save_participant(keys.telegram(chat).contact, chat)
                    await store.enrol(keys.telegram(chat).contact, tranche.code, [])
                    if number < finished:
                        person, sample = keys.telegram(chat).person, DialogueId("sample")
                        await conversations.apply(person, sample, Start("en"))
                        await conversations.apply(person, sample, Choose(OptionId("voice")))
                        await conversations.apply(person, sample, Answer(REFLECTION))

    asyncio.run(build())
