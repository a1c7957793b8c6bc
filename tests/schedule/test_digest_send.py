"""Digests go out through the one outbox and sender: composed when sent, once per week, with every guarantee.

Nothing sleeps for real: the dispatcher reads an injected clock and the sender paces on it.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fakeapi import FakeTelegram
from person import Person
from telegram import Bot

from bot.dialogue.course import load_course
from bot.dialogue.events import Choose, Start
from bot.dialogue.model import DialogueId, OptionId
from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.schedule.digest_messages import DigestMessages
from bot.schedule.digests import DigestPlanner
from bot.schedule.messages import FollowupMessages, Messages
from bot.schedule.outbox import Dispatcher
from bot.schedule.sender import Limits, Sender
from bot.schedule.tranche_digests import TrancheDigests
from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations
from bot.store.keys import Keys
from bot.store.sqlite import SqliteStore
from bot.telegram.texts import MARK_NEW, MARK_STARTED, text

SECRET = "digest-send-secret-" + "s" * 32
K = 3
MONDAY = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # 10:30 in Amsterdam
WEEKLY = """\
id: lobby
version: 1
title: {nl: Het concept bij de lobby, en: The draft that reached the lobby}
session: weekly
languages: [nl, en]
start: pick
nodes:
  pick:
    type: choice
    ask: {nl: Wat doe je?, en: What do you do?}
    peers: true
    options:
      - {id: talk, label: {nl: Ik spreek hem aan, en: I talk to him}, next: done}
      - {id: wait, label: {nl: Ik wacht af, en: I wait}, next: done}
  done:
    type: end
    say: {nl: Dank je, en: Thank you}
"""
INTRO = """\
id: welcome
version: 1
title: {nl: Kennismaking, en: Getting started}
session: intro
languages: [nl, en]
start: proud
nodes:
  proud:
    type: reflection
    ask: {nl: Waar was je trots op?, en: What were you proud of?}
    next: bye
  bye:
    type: end
"""
COURSE = load_course(
    b"id: trial\nkind: course\ntitle: {en: The trial course}\nlanguages: [en]\n"
    b"followups:\n  - {after: 2d, dialogue: lobby}\n"
)


class Clock:
    def __init__(self) -> None:
        self.now = MONDAY

    def __call__(self) -> datetime:
        return self.now


class Instant:
    """The sender's monotonic seconds: a wait passes at once (time jumps by it)."""

    def __init__(self) -> None:
        self.waited = 0.0

    def __call__(self) -> float:
        return self.waited

    async def sleep(self, seconds: float) -> None:
        self.waited += max(seconds, 0.0)


@dataclass
class Digests:
    tg: FakeTelegram
    store: SqliteStore
    keys: Keys
    clock: Clock
    dispatcher: Dispatcher
    conversations: Conversations

    def planner(self, trainers: frozenset[int] = frozenset()) -> DigestPlanner:
        return DigestPlanner(self.store, self.keys, WorkingHours(), None, trainers, self.clock)

    async def person(self, person: Person, language: str = "en") -> None:
        contact = self.keys.telegram(person.user_id).contact
        await self.store.save_participant(contact, person.chat_id)
        await self.store.update_participant(contact, language=language)

    async def chose(self, user_id: int, option: str) -> None:
        person = self.keys.telegram(user_id).person
        await self.conversations.apply(person, DialogueId("lobby"), Start("en"))
        await self.conversations.apply(person, DialogueId("lobby"), Choose(OptionId(option)))


@pytest.fixture
async def digests(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[Digests]:
    keys, clock = Keys(SECRET), Clock()
    store = await SqliteStore.open(tmp_path / "digests.sqlite3", keys=keys, clock=clock)
    try:
        catalogue = Catalogue(store)
        await catalogue.publish(WEEKLY.encode(), "lobby.yaml", "test")
        await catalogue.publish(INTRO.encode(), "welcome.yaml", "test")
        courses, instant = CourseBook({COURSE.id: COURSE}, WorkingHours()), Instant()
        compose = Messages(
            FollowupMessages(store, catalogue, courses),
            DigestMessages(store, catalogue, keys, K),
            TrancheDigests(store, catalogue, keys, courses, K),
        )
        async with Bot(tg.token, base_url=tg.api_url, base_file_url=tg.file_url) as bot:
            sender = Sender(bot, Limits(overall=1000, per_chat=1000), clock=instant, sleep=instant.sleep)
            dispatcher = Dispatcher(store, sender, hours=WorkingHours(), compose=compose, clock=clock)
            yield Digests(tg, store, keys, clock, dispatcher, Conversations(store, catalogue))
    finally:
        await store.close()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(quiet=0.01) as fake:
        yield fake


async def test_a_digest_is_one_message_with_the_dilemma_and_progress(digests: Digests) -> None:
    """Someone new gets one message: the dilemma of the week with a button, their sessions, and no pulse yet."""
    anna = digests.tg.person(language_code="en")
    await digests.person(anna)
    await digests.conversations.apply(digests.keys.telegram(anna.user_id).person, DialogueId("welcome"), Start("en"))
    assert await digests.planner().queue(at_once=True) == (1, 0)
    assert await digests.dispatcher.tick() == Counter(sent=1)
    (message,) = anna.messages
    assert text("digest_dilemma", "en", title="The draft that reached the lobby") in message.text
    assert f"{MARK_STARTED} {text('session_introduction', 'en')}" in message.text
    assert f"{MARK_NEW} {text('session_ethics', 'en')}" in message.text
    assert "%" not in message.text, "no pulse below k"
    assert message.buttons == [
        text("digest_open_button", "en"),
        text("digest_continue_button", "en", title="Getting started"),
    ]
    await anna.press(text("digest_open_button", "en"))


@pytest.mark.parametrize(("answered", "shown"), [(K - 1, False), (K, True), (K + 1, True)])
async def test_the_pulse_shows_only_from_k_answers(digests: Digests, answered: int, shown: bool) -> None:
    """How colleagues chose on a recent dilemma is in the digest only once k people answered it."""
    anna = digests.tg.person(language_code="nl")
    await digests.person(anna, language="nl")
    await digests.chose(anna.user_id, "talk")  # done: so her dilemma of the week is not this one
    for n in range(answered - 1):
        await digests.chose(50_000 + n, "wait")
    await digests.planner().queue(at_once=True)
    await digests.dispatcher.tick()
    (message,) = anna.messages
    pulse = "Zo kozen collega's bij 'Het concept bij de lobby'"
    assert (pulse in message.text) is shown
    assert text("digest_no_dilemma", "nl") in message.text
    if shown:
        assert f"{round(100 * (answered - 1) / answered)} % Ik wacht af" in message.text


async def test_once_a_week_even_after_a_crash_mid_send(digests: Digests, tmp_path: Path) -> None:
    """A digest claimed and then interrupted by a crash is sent again once (counted as unknown), never queued again."""
    anna = digests.tg.person(language_code="en")
    await digests.person(anna)
    await digests.planner().queue(at_once=True)
    (claimed,) = await digests.store.claim_due(digests.clock(), limit=10)  # marked 'sending' ... and the bot dies
    assert claimed.kind == "digest"
    assert await digests.store.recover_sending() == 1  # the next start
    assert await digests.planner().queue(at_once=True) == (0, 0)
    assert await digests.dispatcher.tick() == Counter(sent=1)
    assert await digests.dispatcher.tick() == Counter()
    assert len(anna.messages) == 1 and (await digests.store.outbox_status())["unknown"] == 1


async def test_stopped_blocked_and_opted_out_people_get_none(digests: Digests) -> None:
    """After /stop, /digest off or blocking the bot nobody gets a digest; a 403 marks the person inactive."""
    stopped, off, blocked, anna = (digests.tg.person(language_code="en") for _ in range(4))
    for person in (stopped, off, blocked, anna):
        await digests.person(person)
    await digests.store.stop(digests.keys.telegram(stopped.user_id).contact)
    await digests.store.update_participant(digests.keys.telegram(off.user_id).contact, digest=False)
    digests.tg.set_blocked(blocked.chat_id)
    assert await digests.planner().queue(at_once=True) == (2, 0)
    assert await digests.dispatcher.tick() == Counter(sent=1, blocked=1)
    assert [len(p.messages) for p in (stopped, off, anna)] == [0, 0, 1]
    found = await digests.store.participant(digests.keys.telegram(blocked.user_id).contact)
    assert found is not None and not found.active


async def test_a_trainer_gets_the_tranche_summary_with_its_chart(digests: Digests) -> None:
    """The trainer who opened a tranche gets a photo (a real PNG) whose caption gives the figures after the k rule."""
    trainer = digests.tg.person(user_id=7001, language_code="en")
    await digests.person(trainer)
    contact = digests.keys.telegram(7001).contact
    tranche = await digests.store.open_tranche(COURSE.id, "Utrecht", date(2026, 11, 16), "chat", trainer=contact)
    members = [digests.tg.person(language_code="en") for _ in range(4)]
    for member in members:
        await digests.person(member)
        await digests.store.enrol(digests.keys.telegram(member.user_id).contact, tranche.code, [])
    for member in members[:3]:
        await digests.chose(member.user_id, "talk")
    assert await digests.planner().queue(at_once=True) == (5, 1)
    ticked = await digests.dispatcher.tick()
    assert ticked["sent"] == 6, ticked
    (summary,) = [m for m in trainer.messages if m.upload is not None]
    png = summary.upload.content if summary.upload else b""
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and struct.unpack(">II", png[16:24]) == (1000, 600)
    assert "The trial course" in summary.text and "Utrecht" in summary.text
    assert "4" in summary.text, "four enrolled: at least k, shown"
    assert "fewer than 3" in summary.text, "figures below k are never numbers"
    assert "I talk to him" in summary.text
