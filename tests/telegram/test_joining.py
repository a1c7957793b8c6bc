"""Joining a course tranche from its link, and the participant's hold on the follow-ups: /pause, /stop, /forget.

The real bot runs against the fake Telegram with a ``CourseBook`` and a clock the test sets.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from botrun import dialogues_folder, running_bot, settings_for
from fakeapi import FakeTelegram
from person import Person
from talk import MONDAY, Clock, chose, exported, joined, participant_of, store_of, texts, trial_course, until

from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.schedule.worker import outbox_worker
from bot.store.protocol import Tranche
from bot.telegram.app import Bot
from bot.telegram.texts import text

COURSE = trial_course(("2d", "sample"), ("1w", "welcome"), ("3w", "looking-back"), ("2m", "two-months-on"))
HOURS = WorkingHours()
COURSE_DAY = date(2026, 11, 23)  # a Monday
TRANCHE = "Utrecht november"


def courses() -> CourseBook:
    return CourseBook({COURSE.id: COURSE}, HOURS)


async def open_tranche(bot: Bot) -> Tranche:
    """A trainer opens a tranche of the trial course, given on the course day."""
    return await store_of(bot).open_tranche(COURSE.id, TRANCHE, COURSE_DAY, "trainer")


async def outbox(bot: Bot, person: Person) -> list[dict[str, Any]]:
    """The person's outbox rows as /mydata shows them, by due time."""
    return sorted((await exported(bot, person))["outbox"], key=lambda row: str(row["due"]))


def dues(rows: list[dict[str, Any]]) -> list[datetime]:
    return [datetime.fromisoformat(row["due"]) for row in rows]


async def enrolled(bot: Bot, tranche: Tranche) -> int:
    found = await store_of(bot).tranche(tranche.code)
    assert found is not None
    return found.enrolled


async def test_the_course_link_enrols_once(tg: FakeTelegram, tmp_path: Path) -> None:
    """Opening a tranche's link enrols the person and plans four follow-ups in working hours; a second time does not."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    async with running_bot(settings, tg, Clock(), courses=courses()) as bot:
        tranche = await open_tranche(bot)
        anna = tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send(f"/start c_{tranche.code}")
        assert await texts(anna) == [text("enrolled", "nl", course="De proefcursus", tranche=TRANCHE, count=4)]
        rows = await outbox(bot, anna)
        assert [(row["dialogue"], row["status"]) for row in rows] == [
            ("sample", "pending"),
            ("welcome", "pending"),
            ("looking-back", "pending"),
            ("two-months-on", "pending"),
        ]
        assert all(HOURS.is_open(due) for due in dues(rows))
        local_days = [due.astimezone(HOURS.tz).date() for due in dues(rows)]
        assert local_days == [date(2026, 11, 25), date(2026, 11, 30), date(2026, 12, 14), date(2027, 1, 25)], (
            "two months on is a Saturday: the follow-up waits for Monday"
        )
        assert await enrolled(bot, tranche) == 1

        anna.send(f"/start c_{tranche.code}")
        assert await texts(anna) == [text("enrolled_already", "nl", course="De proefcursus", tranche=TRANCHE)]
        assert await outbox(bot, anna) == rows
        assert await enrolled(bot, tranche) == 1


async def test_a_closed_or_unknown_link_enrols_nobody(tg: FakeTelegram, tmp_path: Path) -> None:
    """A closed tranche's link and a made-up code both get the "course closed" answer and enrol nobody."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    async with running_bot(settings, tg, Clock(), courses=courses()) as bot:
        tranche = await open_tranche(bot)
        assert await store_of(bot).close_tranche(tranche.code)
        anna = tg.person(language_code="en")
        await chose(anna, "en")
        anna.send(f"/start c_{tranche.code}")
        anna.send("/start c_NoSuchCode0000000")
        assert await texts(anna) == [text("course_closed", "en")] * 2
        assert await outbox(bot, anna) == [] and (await exported(bot, anna))["enrolments"] == []
        assert await enrolled(bot, tranche) == 0


async def test_pause_moves_every_follow_up_later(tg: FakeTelegram, tmp_path: Path) -> None:
    """/pause 14d and /pause until a date: nothing comes before that day, the confirmation names the real first
    day (a working day), two pauses never stack past the date asked for, and a bad argument is explained."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    async with running_bot(settings, tg, Clock(), courses=courses()) as bot:
        tranche = await open_tranche(bot)
        anna = tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send(f"/start c_{tranche.code}")
        await anna.replies()
        planned = dues(await outbox(bot, anna))

        anna.send("/pause 14d")  # 2026-12-07 is a Monday
        assert await texts(anna) == [text("pause_done", "nl", until="2026-12-07")]
        moved = dues(await outbox(bot, anna))
        assert local_days(moved)[0] == "2026-12-07" and all(HOURS.is_open(due) for due in moved)
        assert len(moved) == len(planned) and all(new > old for new, old in zip(moved, planned, strict=True))

        anna.send("/pause until 2027-01-10")  # a Sunday: the first working-hours slot is on Monday the 11th
        assert await texts(anna) == [text("pause_done", "nl", until="2027-01-11")]
        again = dues(await outbox(bot, anna))
        assert local_days(again)[0] == "2027-01-11" and all(HOURS.is_open(due) for due in again)

        anna.send("/pause 14d")  # already later than that: nothing moves, and the real date is named
        assert await texts(anna) == [text("pause_already", "nl", until="2027-01-11")]
        for wrong in ("/pause", "/pause soon", "/pause 0d", "/pause until 2026-11-01", "/pause until 2027-02-30"):
            anna.send(wrong)
        assert await texts(anna) == [text("pause_usage", "nl")] * 5
        assert dues(await outbox(bot, anna)) == again


def local_days(moments: list[datetime]) -> list[str]:
    return [moment.astimezone(HOURS.tz).date().isoformat() for moment in moments]


async def test_pause_with_nothing_planned_says_so(tg: FakeTelegram, tmp_path: Path) -> None:
    """/pause from someone without follow-ups says there is nothing to move."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    async with running_bot(settings, tg, Clock(), courses=courses()):
        ben = tg.person(language_code="en")
        ben.send("/pause 2w")
        assert await texts(ben) == [text("pause_nothing", "en")]


async def test_stop_holds_the_follow_ups_and_resume_restores_them(tg: FakeTelegram, tmp_path: Path) -> None:
    """/stop holds every waiting follow-up; /resume, which promises messages again, brings back those still ahead."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    clock = Clock()
    async with running_bot(settings, tg, clock, courses=courses()) as bot:
        tranche = await open_tranche(bot)
        anna = tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send(f"/start c_{tranche.code}")
        await anna.replies()
        planned = dues(await outbox(bot, anna))
        anna.send("/stop")
        assert await texts(anna) == [text("stop_done", "nl")]
        assert [row["status"] for row in await outbox(bot, anna)] == ["stopped"] * 4
        assert await store_of(bot).outbox_status() == {"stopped": 4, "unknown": 0}
        clock.now = MONDAY + timedelta(days=10)  # the 2-day and 1-week follow-ups have passed meanwhile
        anna.send("/resume")
        assert await texts(anna) == [text("resume_done", "nl")]
        rows = await outbox(bot, anna)
        assert [row["status"] for row in rows] == ["cancelled", "cancelled", "pending", "pending"]
        assert dues(rows)[2:] == planned[2:]


async def test_joining_while_stopped_says_messages_are_paused(tg: FakeTelegram, tmp_path: Path) -> None:
    """Someone who used /stop and then opens a course link is enrolled, and told that /resume turns messages on."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    async with running_bot(settings, tg, Clock(), courses=courses()) as bot:
        tranche = await open_tranche(bot)
        anna = tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send("/stop")
        await anna.replies()
        anna.send(f"/start c_{tranche.code}")
        assert await texts(anna) == [
            text("enrolled", "nl", course="De proefcursus", tranche=TRANCHE, count=4),
            text("stopped_reminder", "nl"),
        ]
        assert await enrolled(bot, tranche) == 1


async def test_forget_erases_the_enrolment_but_not_the_count(tg: FakeTelegram, tmp_path: Path) -> None:
    """/forget erases the enrolment and the waiting follow-ups; the tranche's published attendance stays."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    async with running_bot(settings, tg, Clock(), courses=courses()) as bot:
        tranche = await open_tranche(bot)
        anna = tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send(f"/start c_{tranche.code}")
        await anna.replies()
        anna.send("/forget")
        await anna.press(text("forget_yes", "nl"))
        assert await texts(anna) == [text("forget_confirm", "nl", minutes=10), text("forget_done", "nl")]
        kept = await exported(bot, anna)
        assert kept["enrolments"] == [] and kept["outbox"] == []
        assert await store_of(bot).outbox_status() == {"unknown": 0}
        assert await enrolled(bot, tranche) == 1


async def test_the_follow_up_comes_in_the_language_of_the_confirmation(tg: FakeTelegram, tmp_path: Path) -> None:
    """Someone who joins by the link in English gets the 2-day follow-up in English after a restart; Start opens it."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    clock = Clock()
    async with running_bot(settings, tg, clock, courses=courses()) as bot:
        tranche = await open_tranche(bot)
        ben = tg.person(language_code="en-GB")
        await chose(ben, "en")
        ben.send(f"/start c_{tranche.code}")
        assert await texts(ben) == [text("enrolled", "en", course="The trial course", tranche=TRANCHE, count=4)]
        participant = await participant_of(bot, ben)
        assert participant is not None and participant.language == "en"

    clock.now = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # two days on, 15:00 in Amsterdam
    book = courses()
    async with running_bot(settings, tg, clock, courses=book, workers=[outbox_worker(settings, book, HOURS)]) as bot:
        await until(lambda: len(ben.messages) == 4)  # the language chosen, the enrolment, the follow-up
        assert ben.last.text == text("followup", "en", course="The trial course", title="Sample")
        await ben.press("Start")
        assert (await texts(ben))[-2:] == ["Hello", joined("A case", "Martin has doubts.", "What does he do?")]
        assert await store_of(bot).outbox_status() == {"sent": 1, "pending": 4, "unknown": 0}  # 3 + its reminder
