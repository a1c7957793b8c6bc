"""/course in chat: a trainer lists tranches, opens one (link and QR code) and closes it; nobody else can."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from botrun import dialogues_folder, running_bot, settings_for
from fakeapi import FakeTelegram
from talk import chose, texts

from bot.dialogue.course import load_course
from bot.report.public import legend
from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.telegram.texts import text

COURSE = Path(__file__).parents[2] / "dialogues" / "courses" / "art-of-connecting.yaml"
TRAINER = 7001


def book() -> CourseBook:
    course = load_course(COURSE.read_bytes(), str(COURSE))
    return CourseBook({course.id: course}, WorkingHours())


async def test_trainer_opens_lists_and_closes(tg: FakeTelegram, tmp_path: Path) -> None:
    """A trainer gets a QR photo whose caption holds the join link; the list counts; close makes the link refuse."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path), extra={"GOODWORK_TRAINERS": str(TRAINER)})
    async with running_bot(settings, tg, courses=book()):
        trainer = tg.person(user_id=TRAINER, language_code="nl")
        trainer.send("/course open art-of-connecting 2026-03-14 Utrecht maart")
        await trainer.replies()
        photo = trainer.messages[-1]
        assert photo.upload is not None and photo.upload.content[:8] == b"\x89PNG\r\n\x1a\n"
        link = photo.text.splitlines()[-1]
        assert link.startswith(f"https://t.me/{tg.bot_user['username']}?start=c_")

        anna = tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send("/start " + link.split("start=", 1)[1])
        assert "Utrecht maart" in (await texts(anna))[0]
        trainer.send("/course")
        line = text(
            "course_tranche_line", "nl", course="art-of-connecting", tranche="Utrecht maart", day="2026-03-14", count=1
        )
        listing = (await texts(trainer))[0].splitlines()
        # one person: the enrolment counter is shown as it is, completion is under k and shows as a mark
        assert listing[:3] == [legend("nl", 5), "", line]
        figures = listing[3].strip()
        assert figures.startswith("afgerond: ") and "–" in figures and not re.search(r"\d", figures)

        trainer.send("/course close " + link.split("start=", 1)[1])
        assert await texts(trainer) == [text("course_closed_done", "nl")]
        trainer.send("/course")
        listing = (await texts(trainer))[0].splitlines()
        assert listing[2:] == [line + " · " + text("course_tranche_closed_mark", "nl"), "   " + figures]
        trainer.send("/course close " + link.split("start=", 1)[1])
        assert await texts(trainer) == [text("course_close_unknown", "nl")]
        ben = tg.person(language_code="nl")
        await chose(ben, "nl")
        ben.send("/start " + link.split("start=", 1)[1])
        assert await texts(ben) == [text("course_closed", "nl")]


async def test_unknown_course_and_usage(tg: FakeTelegram, tmp_path: Path) -> None:
    """A typo in the course id names the courses that exist; a garbled command shows how to use it."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path), extra={"GOODWORK_TRAINERS": str(TRAINER)})
    async with running_bot(settings, tg, courses=book()):
        trainer = tg.person(user_id=TRAINER, language_code="en")
        trainer.send("/course open art-of-conecting 2026-03-14 X")
        unknown = text("course_unknown", "en", course="art-of-conecting", courses="art-of-connecting")
        assert await texts(trainer) == [unknown]
        assert unknown == "No course 'art-of-conecting'. Courses: art-of-connecting"
        trainer.send("/course please")
        assert await texts(trainer) == [text("course_usage", "en")]


async def test_participants_cannot_use_course(tg: FakeTelegram, tmp_path: Path) -> None:
    """For anyone not in GOODWORK_TRAINERS, /course answers like an unknown command and opens nothing."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path), extra={"GOODWORK_TRAINERS": str(TRAINER)})
    async with running_bot(settings, tg, courses=book()) as bot:
        anna = tg.person(user_id=TRAINER + 1, language_code="nl")
        anna.send("/course open art-of-connecting 2026-03-14 Sneaky")
        assert await texts(anna) == [text("unknown_command", "nl")]
        assert bot.store is not None and await bot.store.tranches() == []


async def test_trainers_get_their_own_menu(tg: FakeTelegram, tmp_path: Path) -> None:
    """Trainers' chats show the trainer commands as well; everyone else's menu does not have them."""
    tg.person(user_id=TRAINER, language_code="nl")
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path), extra={"GOODWORK_TRAINERS": f"{TRAINER},7999"})
    async with running_bot(settings, tg):
        scope = {"type": "chat", "chat_id": TRAINER}
        for language in ("nl", "en"):
            names = [c["command"] for c in tg.commands(scope=scope, language_code=language)]
            assert {"course", "versions", "graph", "sessions", "help"} <= set(names)
            assert "course" not in [c["command"] for c in tg.commands(language_code=language)]


async def test_invitation_link_makes_a_trainer_once(tg: FakeTelegram, tmp_path: Path) -> None:
    """Opening a trainer invitation gives trainer rights and menu once; the same link does nothing for the next."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    async with running_bot(settings, tg, courses=book()) as bot:
        assert bot.store is not None
        code = await bot.store.invite_trainer(datetime.now(UTC) + timedelta(days=1), "test")
        anna, ben = tg.person(language_code="nl"), tg.person(language_code="nl")
        await chose(anna, "nl")
        await chose(ben, "nl")
        anna.send(f"/start t_{code}")
        assert await texts(anna) == [text("trainer_welcome", "nl")]
        assert "course" in [c["command"] for c in tg.commands(scope={"type": "chat", "chat_id": anna.chat_id})]
        anna.send("/course")
        assert await texts(anna) == [text("course_no_tranches", "nl") + "\n\n" + text("course_usage", "nl")]
        ben.send(f"/start t_{code}")
        assert await texts(ben) == [text("unknown_payload", "nl")]
        ben.send("/course")
        assert await texts(ben) == [text("unknown_command", "nl")]
        await bot.store.revoke_trainer(bot.keys.telegram(anna.user_id).contact)
        anna.send("/course")
        assert await texts(anna) == [text("unknown_command", "nl")]
