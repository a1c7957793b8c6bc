"""A person meets the bot: /start, a language, the privacy note, then the introduction or where their link points.

The language buttons of the welcome carry the deep link a person came by (``l:<language>:s:<link>``), so that
the link is followed after the language and the privacy note without storing anything.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from botrun import dialogues_folder, running_bot, settings_for
from fakeapi import FakeTelegram
from talk import exported, joined, participant_of, store_of, texts, trial_course

from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.telegram.texts import text

COURSE = trial_course(("2d", "sample"))
PRIVACY = {"k": 5, "days": 365}


async def test_start_language_privacy_introduction(tg: FakeTelegram, tmp_path: Path) -> None:
    """/start greets with the person's language first; choosing English shows the privacy note and the introduction."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(user_id=501, first_name="Anna", language_code="en")
        await anna.send("/start")
        greeting = await anna.replies()
        assert greeting[-1].buttons == ["English", "Nederlands"]
        await anna.press("English")
        shown = [m.text for m in await anna.replies()]
        assert any("/mydata" in t and "/forget" in t for t in shown)
        assert shown == [text("privacy", "en", **PRIVACY), joined("Good to have you here.", "What were you proud of?")]
        assert anna.last.buttons == ["Skip"]


async def test_a_language_button_carrying_a_dialogue_link_opens_it_after_the_privacy_note(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    """A language button that carries a dialogue link sets the language, shows the privacy note, then opens it."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        anna.send("/start")
        await anna.replies()
        anna.press_data("l:en:s:sample")
        shown = await texts(anna)
        assert shown[0] == text("privacy", "en", **PRIVACY)
        assert shown[1:] == ["Hello", joined("A case", "Martin has doubts.", "What does he do?")]
        participant = await participant_of(bot, anna)
        assert participant is not None and participant.language == "en"


async def test_a_carried_course_link_enrols_and_points_to_the_introduction(tg: FakeTelegram, tmp_path: Path) -> None:
    """A carried course link: privacy note, the enrolment, and a button that starts the introduction."""
    courses = CourseBook({COURSE.id: COURSE}, WorkingHours())
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg, courses=courses) as bot:
        tranche = await store_of(bot).open_tranche(COURSE.id, "Zwolle", date.today(), "trainer")
        ben = tg.person(language_code="en")
        ben.send("/start")
        await ben.replies()
        ben.press_data(f"l:nl:s:c_{tranche.code}")
        assert await texts(ben) == [
            text("privacy", "nl", **PRIVACY),
            text("enrolled", "nl", course="De proefcursus", tranche="Zwolle", count=1),
            text("course_intro_pointer", "nl"),
        ]
        assert ben.last.buttons == [text("intro_button", "nl")]
        await ben.press(text("intro_button", "nl"))
        assert await texts(ben) == [joined("Fijn dat je er bent.", "Waar was je trots op?")]


async def test_a_carried_trainer_invitation_makes_a_trainer(tg: FakeTelegram, tmp_path: Path) -> None:
    """A carried trainer invitation: privacy note, then the trainer's welcome."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        code = await store_of(bot).invite_trainer(datetime.now(UTC) + timedelta(days=1), "test")
        cleo = tg.person(language_code="en")
        cleo.send("/start")
        await cleo.replies()
        cleo.press_data(f"l:en:s:t_{code}")
        assert await texts(cleo) == [text("privacy", "en", **PRIVACY), text("trainer_welcome", "en")]


@pytest.mark.parametrize(
    "data",
    ["l:en:s:" + "a" * 41, "l:en:s:a b", "l:en:s:a:b", "l:en::sample", "l:en:x:sample", "l:fr:s:sample"],
)
async def test_a_forged_link_on_a_language_button_changes_nothing(tg: FakeTelegram, tmp_path: Path, data: str) -> None:
    """Language button data with a link the bot would never carry is refused like any forged button."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        anna.send("/start")
        await anna.replies()
        anna.press_data("l:nl:s:sample")  # a well-formed one first, so the forged one is told apart
        await anna.replies()
        anna.press_data(data)
        assert await texts(anna) == []
        assert anna.answered_callbacks[-1] == text("forged_button", "nl")
        participant = await participant_of(bot, anna)
        assert participant is not None and participant.language == "nl"


async def test_a_newcomers_link_waits_for_the_language_and_the_privacy_note(tg: FakeTelegram, tmp_path: Path) -> None:
    """Someone new who opens a dialogue link first chooses a language and reads the privacy note, then the dialogue
    opens; nothing of it starts before the choice."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        anna.send("/start sample")
        assert await texts(anna) == [text("welcome", "nl")]
        assert anna.last.buttons == ["Nederlands", "English"]
        assert (await exported(bot, anna))["conversations"] == []
        await anna.press("English")
        shown = await texts(anna)
        assert shown[0] == text("privacy", "en", **PRIVACY)
        assert shown[1:] == ["Hello", joined("A case", "Martin has doubts.", "What does he do?")]


async def test_a_newcomers_course_link_enrols_after_the_privacy_note(tg: FakeTelegram, tmp_path: Path) -> None:
    """Someone new who opens a course link chooses a language, reads the privacy note, is enrolled, and gets a
    button to the introduction."""
    courses = CourseBook({COURSE.id: COURSE}, WorkingHours())
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg, courses=courses) as bot:
        tranche = await store_of(bot).open_tranche(COURSE.id, "Zwolle", date.today(), "trainer")
        ben = tg.person(language_code="nl")
        ben.send(f"/start c_{tranche.code}")
        assert await texts(ben) == [text("welcome", "nl")]
        assert (await exported(bot, ben))["enrolments"] == []
        await ben.press("Nederlands")
        assert await texts(ben) == [
            text("privacy", "nl", **PRIVACY),
            text("enrolled", "nl", course="De proefcursus", tranche="Zwolle", count=1),
            text("course_intro_pointer", "nl"),
        ]
        assert ben.last.buttons == [text("intro_button", "nl")]


async def test_a_newcomers_unknown_link_is_answered_after_the_privacy_note(tg: FakeTelegram, tmp_path: Path) -> None:
    """A link that leads nowhere gets its friendly word after the language and the privacy note; one too long to be
    any link the bot made is left aside, and the newcomer starts with the introduction."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna, ben = tg.person(language_code="en"), tg.person(language_code="en")
        anna.send("/start nosuchdialogue")
        await anna.replies()
        await anna.press("English")
        assert await texts(anna) == [text("privacy", "en", **PRIVACY), text("unknown_payload", "en")]
        ben.send("/start " + "x" * 300)
        await ben.replies()
        await ben.press("English")
        assert await texts(ben) == [
            text("privacy", "en", **PRIVACY),
            joined("Good to have you here.", "What were you proud of?"),
        ]
