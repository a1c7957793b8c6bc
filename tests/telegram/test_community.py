"""Sharing with a Community of Practice, over real HTTP: consent (default no), /shared and withdrawal, /cop, /digest."""

from __future__ import annotations

import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from botrun import dialogues_folder, running_bot, settings_for
from fakeapi import FakeTelegram
from person import Person
from talk import chose, exported, joined, participant_of, store_of, texts

from bot.config import Settings
from bot.dialogue.course import load_course
from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.store.protocol import Tranche
from bot.telegram.app import Bot
from bot.telegram.texts import text

TRAINER = 7001
CASE = """\
id: case
version: 1
title: {nl: Een casus, en: A case}
session: weekly
languages: [nl, en]
start: own
nodes:
  own:
    type: reflection
    ask: {nl: Wat zou jij doen?, en: What would you do?}
    share: true
    next: done
  done:
    type: end
    say: {nl: Dank je, en: Thank you}
"""
COURSE = load_course(
    b"""\
id: trial
kind: course
title: {nl: De proefcursus, en: The trial course}
languages: [nl, en]
followups:
  - {after: 2d, dialogue: case}
"""
)


def settings(tg: FakeTelegram, tmp_path: Path) -> Settings:
    folder = dialogues_folder(tmp_path, "sample")
    (folder / "case.yaml").write_text(CASE)
    extra = {"GOODWORK_TRAINERS": str(TRAINER), "GOODWORK_MIN_GROUP": "3"}
    return settings_for(tg, tmp_path, folder, extra=extra)


def courses() -> CourseBook:
    return CourseBook({COURSE.id: COURSE}, WorkingHours())


async def answer(person: Person, words: str) -> None:
    person.send("/start case")
    await person.replies()
    person.send(words)
    await person.replies()


async def shared_texts(bot: Bot, person: Person) -> list[str]:
    return [r["text"] for r in (await exported(bot, person))["reflections"] if r["shared"]]


async def test_the_answer_stays_private_unless_the_person_shares_it(tg: FakeTelegram, tmp_path: Path) -> None:
    """After a shareable answer the bot asks; ignoring it or saying no keeps it private; "share" shares it."""
    async with running_bot(settings(tg, tmp_path), tg) as bot:
        anna, ben, cas = (tg.person(language_code="en") for _ in range(3))
        for person in (anna, ben, cas):
            await chose(person, "en")
        await answer(anna, "I would ask my manager first")
        consent, end = anna.messages[-2:]
        assert (consent.text, consent.buttons) == (
            text("share_question", "en"),
            [text("share_yes", "en"), text("share_no", "en")],
        ), "the question whether to share is a message of its own, before the rest of the step"
        assert (end.text, end.buttons) == (joined("Thank you", text("finished", "en")), [])
        assert await shared_texts(bot, anna) == [], "ignoring the question means no"
        await answer(ben, "I would talk to the residents")
        await ben.press(text("share_no", "en"))
        await ben.replies()
        assert await shared_texts(bot, ben) == []
        await answer(cas, "I would <b>refuse</b> *politely*")
        await cas.press(text("share_yes", "en"))
        await cas.replies()
        assert await shared_texts(bot, cas) == ["I would <b>refuse</b> *politely*"]
        assert any(text("share_done", "en") in m.text for m in cas.messages)


async def test_shared_lists_and_withdraws(tg: FakeTelegram, tmp_path: Path) -> None:
    """/shared lists what the person shared; its button takes it back; a forged share button changes nothing."""
    async with running_bot(settings(tg, tmp_path), tg) as bot:
        anna = tg.person(language_code="en")
        await chose(anna, "en")
        anna.send("/shared")
        assert await texts(anna) == [text("shared_none", "en")]
        await answer(anna, "My own case, without names")
        anna.press_data("h:case:1:nowhere")
        anna.press_data("h:case:01:own")
        await anna.replies()
        assert await shared_texts(bot, anna) == []
        await anna.press(text("share_yes", "en"))
        await anna.replies()
        anna.send("/shared")
        (listing,) = await texts(anna)
        assert "My own case, without names" in listing
        await anna.press(text("shared_withdraw", "en", number=1))
        await anna.replies()
        assert await shared_texts(bot, anna) == []
        assert anna.answered_callbacks[-1] == text("shared_withdrawn", "en")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.data.append(data)


async def test_a_pack_needs_k_people_and_holds_only_what_they_shared(tg: FakeTelegram, tmp_path: Path) -> None:
    """/cop answers "not enough yet" below k sharers; from k on it sends an HTML pack holding the shared answers
    as text (markup shown as typed), and nothing unshared, no name and no id."""
    async with running_bot(settings(tg, tmp_path), tg, courses=courses()) as bot:
        tranche: Tranche = await store_of(bot).open_tranche(COURSE.id, "Utrecht", date(2026, 11, 23), "trainer")
        trainer = tg.person(user_id=TRAINER, language_code="en")
        people = [tg.person(first_name=f"Person{n}", language_code="en") for n in range(4)]
        for n, person in enumerate(people):
            await chose(person, "en")
            person.send(f"/start c_{tranche.code}")
            await person.replies()
            await answer(person, f"Answer {n} <i>with markup</i>" if n else "Private thoughts of Person0")
            if n:
                await person.press(text("share_yes", "en"))
                await person.replies()
            if n == 1:
                trainer.send(f"/cop {tranche.code}")
                assert await texts(trainer) == [
                    text("cop_too_few", "en", shared=text("cop_fewer_than", "en", k=3), k=3)
                ]
        trainer.send(f"/cop {tranche.code}")
        await trainer.replies()
        (document,) = trainer.documents
        page = document.content.decode()
        parsed = _Elements()
        parsed.feed(page)
        assert "i" not in parsed.tags and "script" not in parsed.tags
        assert sum("Answer" in d and "<i>with markup</i>" in d for d in parsed.data) == 3
        assert "Private thoughts" not in page
        assert not any(f"Person{n}" in page or str(p.user_id) in page for n, p in enumerate(people))
        participant = await participant_of(bot, trainer)
        assert participant is not None
        outsider = tg.person(language_code="en")
        outsider.send(f"/cop {tranche.code}")
        assert await texts(outsider) == [text("unknown_command", "en")]


async def test_digest_on_and_off(tg: FakeTelegram, tmp_path: Path) -> None:
    """/digest off stops the weekly overview, /digest on brings it back; anything else says how, and the state."""
    async with running_bot(settings(tg, tmp_path), tg) as bot:
        anna = tg.person(language_code="en")
        anna.send("/digest")
        assert await texts(anna) == [text("digest_usage", "en", state=text("digest_state_on", "en"))]
        anna.send("/digest off")
        assert await texts(anna) == [text("digest_off", "en")]
        found = await participant_of(bot, anna)
        assert found is not None and not found.digest
        anna.send("/digest on")
        assert await texts(anna) == [text("digest_on", "en")]
        found = await participant_of(bot, anna)
        assert found is not None and found.digest


async def test_insights_for_trainers_only(tg: FakeTelegram, tmp_path: Path) -> None:
    """/insights ID gives a trainer the figures and the annotated graph; to anyone else it is an unknown command."""
    async with running_bot(settings(tg, tmp_path), tg):
        for words in ("first thought", "second thought", "third thought"):
            await answer(tg.person(language_code="en"), words)
        trainer, anna = tg.person(user_id=TRAINER, language_code="en"), tg.person(language_code="en")
        trainer.send("/insights case")
        await trainer.replies(timeout=30)
        figures = next(m.text for m in trainer.messages if m.upload is None)
        assert ("3" in figures and "case" not in figures.split("\n")[0]) or "3" in figures
        if shutil.which("dot"):
            assert trainer.documents and trainer.documents[-1].content.startswith(b"\x89PNG")
        trainer.send("/insights nothing")
        assert await texts(trainer) == [text("insights_usage", "en")]
        anna.send("/insights case")
        assert await texts(anna) == [text("unknown_command", "en")]
