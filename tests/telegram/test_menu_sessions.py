"""/sessions on a phone: grouped (toolkit, dilemma of the week, earlier dilemmas, course follow-ups, the rest),
each title once with its progress mark, at most eight dialogues a screen, paged with "more" and "back"."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from botrun import dialogues_folder, running_bot, settings_for
from fakeapi import FakeTelegram
from person import Person
from talk import Clock, joined, store_of, texts, trial_course

from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.telegram.texts import text

COURSE = trial_course(("2d", "fu-week"), ("3w", "fu-days"))


def dialogue(folder: Path, dialogue_id: str, session: str, nl: str, en: str) -> None:
    """A short dialogue in ``folder``: one bubble, then the end (opening it finishes it)."""
    (folder / f"{dialogue_id}.yaml").write_text(
        f"""\
id: {dialogue_id}
version: 1
title: {{nl: "{nl}", en: "{en}"}}
session: {session}
languages: [nl, en]
start: hello
nodes:
  hello:
    type: message
    say: {{nl: "Over {nl}.", en: "About {en}."}}
    next: bye
  bye:
    type: end
    say: {{nl: Tot ziens., en: Goodbye.}}
"""
    )


def menu_folder(tmp_path: Path, weekly: int = 2) -> Path:
    """Toolkit sessions (in ids that sort out of session order), weekly dilemmas, two follow-ups, a manager track."""
    folder = dialogues_folder(tmp_path)  # welcome (intro, "Kennismaking") and sample (ethics, "Proef")
    dialogue(folder, "a-engagement", "engagement", "Betrokkenheid: wat drijft je?", "Engagement: what drives you?")
    dialogue(folder, "b-excellence", "excellence", "Vakmanschap: wiens maatstaf?", "Excellence: whose standard?")
    for number in range(1, weekly + 1):
        dialogue(folder, f"weekly-{number:02}", "weekly", f"Dilemma {number}", f"Dilemma {number}")
    dialogue(folder, "fu-days", "followup", "Vervolg na dagen", "Follow-up after days")
    dialogue(folder, "fu-week", "followup", "Vervolg na een week", "Follow-up after a week")
    dialogue(folder, "aa-manager", "manager", "Voor leidinggevenden", "For managers")
    return folder


async def dutch(person: Person) -> None:
    """The person opens the bot and chooses Dutch (and leaves the introduction it opens aside)."""
    person.send("/start")
    await person.replies()
    await person.press("Nederlands")
    person.send("/cancel")
    await person.replies()


async def sessions(person: Person) -> list[str]:
    person.send("/sessions")
    await person.replies()
    return person.last.buttons


async def test_sessions_are_grouped_and_follow_ups_are_for_course_members_only(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    """Toolkit sessions come first in session order, then this week's dilemma, earlier ones, and the rest; a course's
    follow-ups appear, in the course's order, only for someone who joined it."""
    courses = CourseBook({COURSE.id: COURSE}, WorkingHours())
    async with running_bot(settings_for(tg, tmp_path, menu_folder(tmp_path)), tg, Clock(), courses=courses) as bot:
        tranche = await store_of(bot).open_tranche(COURSE.id, "Utrecht", date(2026, 11, 23), "trainer")
        anna, ben = tg.person(language_code="nl"), tg.person(language_code="nl")
        await dutch(anna)
        await dutch(ben)
        toolkit = ["… Kennismaking", "○ Vakmanschap: wiens maatstaf?", "○ Proef", "○ Betrokkenheid: wat drijft je?"]
        dilemmas = ["○ Deze week: Dilemma 1", "○ Dilemma 2"]
        assert await sessions(anna) == [*toolkit, *dilemmas, "○ Voor leidinggevenden"]
        section_names = [text(f"section_{s}", "nl") for s in ("toolkit", "week", "weekly", "other")]
        assert anna.last.text == text("sessions_header", "nl") + "\n\n" + " · ".join(section_names)

        ben.send(f"/start c_{tranche.code}")
        await ben.replies()
        follow_ups = ["○ Vervolg na een week", "○ Vervolg na dagen"]
        assert await sessions(ben) == [*toolkit, *dilemmas, *follow_ups, text("sessions_more", "nl")]
        await ben.press(text("sessions_more", "nl"))
        await ben.replies()
        assert ben.messages[-1].buttons == ["○ Voor leidinggevenden", text("sessions_back", "nl")]
        assert await sessions(anna) == [*toolkit, *dilemmas, "○ Voor leidinggevenden"]


async def test_titles_appear_once_in_either_language(tg: FakeTelegram, tmp_path: Path) -> None:
    """A title that names its session is not prefixed with the session's name again ("Excellence: Excellence: …")."""
    async with running_bot(settings_for(tg, tmp_path, menu_folder(tmp_path)), tg, Clock()):
        eve = tg.person(language_code="en")
        eve.send("/start")
        await eve.replies()
        await eve.press("English")
        buttons = await sessions(eve)
        assert "○ Excellence: whose standard?" in buttons and "○ Engagement: what drives you?" in buttons
        assert not any(label.count("Excellence") > 1 or label.count("Engagement") > 1 for label in buttons)


async def test_the_dilemma_of_the_week_is_the_newest_one_not_done(tg: FakeTelegram, tmp_path: Path) -> None:
    """The dilemma published last is this week's; once the person finishes it, the newest one left takes its place."""
    folder, clock = menu_folder(tmp_path), Clock()
    settings = settings_for(tg, tmp_path, folder)
    anna = tg.person(language_code="nl")
    async with running_bot(settings, tg, clock):
        await dutch(anna)
    clock.now += timedelta(days=7)
    dialogue(folder, "weekly-00", "weekly", "Nieuw dilemma", "New dilemma")  # sorts first, but is published last
    async with running_bot(settings, tg, clock):
        buttons = await sessions(anna)
        assert buttons[4:7] == ["○ Deze week: Nieuw dilemma", "○ Dilemma 1", "○ Dilemma 2"]
        await anna.press("○ Deze week: Nieuw dilemma")
        assert await texts(anna) == [joined("Over Nieuw dilemma.", "Tot ziens.", text("finished", "nl"))]
        buttons = await sessions(anna)
        assert buttons[4:7] == ["○ Deze week: Dilemma 1", "✓ Nieuw dilemma", "○ Dilemma 2"]


async def test_a_long_menu_is_paged_in_place(tg: FakeTelegram, tmp_path: Path) -> None:
    """With 17 dialogues the menu has three screens of at most eight; "more" and "back" turn the page in the same
    message, and every dialogue is on exactly one screen."""
    async with running_bot(settings_for(tg, tmp_path, menu_folder(tmp_path, weekly=12)), tg, Clock()):
        anna = tg.person(language_code="nl")
        await dutch(anna)
        first = await sessions(anna)
        menu = anna.last.message_id
        more, back = text("sessions_more", "nl"), text("sessions_back", "nl")
        assert first[:-1][-1] == "○ Dilemma 4" and first[-1] == more and len(first) == 9
        assert anna.last.text.endswith(text("sessions_page", "nl", page=1, pages=3))

        await anna.press(more)
        assert await anna.replies() == [] and anna.last.message_id == menu, "the page turns in the same message"
        assert anna.messages[-1].buttons[-2:] == [back, more]
        await anna.press(more)
        await anna.replies()
        third = anna.messages[-1].buttons
        assert third[-1] == back and "○ Voor leidinggevenden" in third
        assert anna.messages[-1].text.endswith(text("sessions_page", "nl", page=3, pages=3))

        await anna.press(back)
        await anna.replies()
        await anna.press(back)
        await anna.replies()
        assert anna.messages[-1].buttons == first


async def test_all_screens_together_hold_every_dialogue_once(tg: FakeTelegram, tmp_path: Path) -> None:
    """Paging loses nothing and repeats nothing: the three screens list each of the 17 dialogues once."""
    async with running_bot(settings_for(tg, tmp_path, menu_folder(tmp_path, weekly=12)), tg, Clock()):
        anna = tg.person(language_code="nl")
        await dutch(anna)
        screens = [await sessions(anna)]
        for _ in range(2):
            await anna.press(text("sessions_more", "nl"))
            await anna.replies()
            screens.append(anna.messages[-1].buttons)
        dialogues = [[label for label in screen if label[0] in "✓…○"] for screen in screens]
        assert [len(screen) for screen in dialogues] == [8, 8, 1]
        seen = [label for screen in dialogues for label in screen]
        assert len(set(seen)) == len(seen) == 17


@pytest.mark.parametrize("data", ["m:3", "m:99", "m:01", "m:-1", "m:", "m:1x", "m:100"])
async def test_a_forged_page_is_refused(tg: FakeTelegram, tmp_path: Path, data: str) -> None:
    """The page the "more" button names is shown; a page the menu does not have, or a number written otherwise
    than the bot writes it, gets the forged-button notice and the menu stays as it was."""
    async with running_bot(settings_for(tg, tmp_path, menu_folder(tmp_path, weekly=12)), tg, Clock()):
        anna = tg.person(language_code="nl")
        await dutch(anna)
        first = await sessions(anna)
        anna.press_data("m:1")
        await anna.replies()
        second = anna.messages[-1].buttons
        assert second != first and second[-2:] == [text("sessions_back", "nl"), text("sessions_more", "nl")]
        anna.press_data(data)
        assert await texts(anna) == []
        assert anna.answered_callbacks[-1] == text("forged_button", "nl")
        assert anna.messages[-1].buttons == second


async def test_paging_while_stopped_only_reminds(tg: FakeTelegram, tmp_path: Path) -> None:
    """After /stop, "more" on an old menu turns no page: the button answers that the bot is paused."""
    async with running_bot(settings_for(tg, tmp_path, menu_folder(tmp_path, weekly=12)), tg, Clock()):
        anna = tg.person(language_code="nl")
        await dutch(anna)
        shown = await sessions(anna)
        anna.send("/stop")
        await anna.replies()
        await anna.press(text("sessions_more", "nl"))
        await anna.replies()
        assert anna.answered_callbacks[-1] == text("stopped_reminder", "nl")
        assert anna.messages[-2].buttons == shown
