"""Bad input and bad luck: stale and forged buttons, repeats, floods, media, groups, errors, 429 and 403."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from botrun import dialogues_folder, running_bot, settings_for
from fakeapi import QUERY_INVALID, FakeTelegram
from talk import Hold, at_why, bounded, button_data, chose, exported, joined, participant_of, state_of, texts, until

from bot.telegram.texts import text


async def test_stale_button_changes_nothing(tg: FakeTelegram, tmp_path: Path) -> None:
    """A button of an earlier question gets a polite notice on the button, and the conversation stays put."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
        question, voice = button_data(anna, "Twijfel uiten")
        await anna.press("Schrijven")
        await anna.replies()
        anna.press_data(voice, message_id=question)
        assert await texts(anna) == []
        assert anna.answered_callbacks[-1] == text("stale_button", "nl")
        state = await state_of(bot, anna)
        assert state is not None and state.node == "why"
        assert [c["option"] for c in (await exported(bot, anna))["choices"]] == ["write"]


FORGED = {
    "x:garbage": "forged_button",  # a kind of button the bot never makes
    "c:" + "a" * 62: "forged_button",  # 64 bytes that are no dialogue button
    "é" * 32: "forged_button",  # 64 bytes of UTF-8
    "c:sample:1:pick:write:extra": "forged_button",
    "l:fr": "forged_button",  # a language the bot does not speak
    "f:maybe": "forged_button",
    "c:sample:1:pick:nope": "not_offered",  # well-formed, but no such option
    "c:sample:99:pick:write": "stale_button",  # a version the conversation is not on
    "c:nosuch:1:pick:write": "unknown_dialogue",
}


async def test_forged_buttons_change_nothing(tg: FakeTelegram, tmp_path: Path) -> None:
    """Callback data the bot did not make gets a polite notice on the button and leaves everything as it was."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
        before = await exported(bot, anna)
        for data in FORGED:
            anna.press_data(data)
        assert await texts(anna) == []
        assert anna.answered_callbacks[-len(FORGED) :] == [text(notice, "nl") for notice in FORGED.values()]
        assert await exported(bot, anna) == before
        anna.send("/continue")
        assert await texts(anna) == [joined("Martin twijfelt.", "Wat doet hij?")]


async def test_open_button_for_an_unknown_dialogue(tg: FakeTelegram, tmp_path: Path) -> None:
    """A /sessions-style button for a dialogue that does not exist says so and starts nothing."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="en")
        anna.send("/help")
        await anna.replies()
        anna.press_data("o:nosuch")
        assert await texts(anna) == []
        assert anna.answered_callbacks == [text("unknown_dialogue", "en")]
        assert (await exported(bot, anna))["conversations"] == []


async def test_same_update_twice_is_handled_once(tg: FakeTelegram, tmp_path: Path) -> None:
    """A press and a reflection delivered twice give one set of replies and one stored answer."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        press = await at_why(anna)
        tg.redeliver(press["update_id"])
        assert await texts(anna) == []
        reflection = await anna.send("Omdat het moet")
        await anna.replies()
        tg.redeliver(reflection["update_id"])
        assert await texts(anna) == []
        kept = await exported(bot, anna)
        assert len(kept["choices"]) == 1 and len(kept["reflections"]) == 1
        assert anna.answered_callbacks == ["", ""], "the language, then one answer for the press delivered twice"


async def test_one_person_in_order_two_people_at_once(
    tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A press and the text right after it are applied in order (the text, written before the question it would
    answer appeared, is not taken as its answer); meanwhile someone else is answered."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna, ben = tg.person(language_code="nl"), tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
        hold = Hold(monkeypatch, bot, anna)
        await anna.press("Schrijven")
        anna.send("Omdat het moet")  # arrives before the press has been handled
        await bounded(hold.reached.wait())
        ben.send("/help")
        await until(lambda: bool(ben.texts()))
        assert ben.texts() == [text("help", "nl")]
        hold.release()
        shown = await texts(anna)
        assert shown == [joined(text("peers_too_few", "nl", k=5), "Waarom?"), text("written_before_question", "nl")]
        assert (await exported(bot, anna))["reflections"] == []
        anna.send("Omdat het moet")
        assert await texts(anna) == ["Wat zou jij doen?"]
        assert [r["text"] for r in (await exported(bot, anna))["reflections"]] == ["Omdat het moet"]


async def test_flooding_person_is_told_to_slow_down(tg: FakeTelegram, tmp_path: Path) -> None:
    """Forty messages at once get one "slow down", not forty answers; someone else is still answered at once."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        flood, ben = tg.person(language_code="nl"), tg.person(language_code="nl")
        for _ in range(40):
            flood.send("/help")
        ben.send("/privacy")
        waited = await until(lambda: bool(ben.texts()), timeout=2.0)
        assert waited < 1.0
        shown = await texts(flood)
        assert shown.count(text("slow_down", "nl")) == 1
        assert 1 <= shown.count(text("help", "nl")) <= 10
        assert tg.unconfirmed == []


async def test_media_where_text_is_expected(tg: FakeTelegram, tmp_path: Path) -> None:
    """A sticker, photo, voice note or file instead of a reflection gets an explanation and nothing is stored."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="en")
        await chose(anna, "en")
        anna.send("/start sample")
        await anna.replies()
        await anna.press("Write it")
        await anna.replies()
        anna.send_sticker()
        anna.send_photo(caption="my answer")
        anna.send_voice()
        anna.send_document(b"my answer", "answer.txt", "text/plain")
        assert await texts(anna) == [text("media_not_understood", "en")] * 4
        assert (await exported(bot, anna))["reflections"] == []
        state = await state_of(bot, anna)
        assert state is not None and state.node == "why"


async def test_group_chat_gets_a_pointer_and_nothing_is_stored(tg: FakeTelegram, tmp_path: Path) -> None:
    """A command in a group is answered with "private chats only"; other group talk is ignored; nothing is kept."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="en")
        group = anna.in_group(-100_555, chat_type="supergroup")
        group.send("/start")
        group.send("/start sample")
        group.send("hello everyone")
        assert await texts(group) == [text("group_only_private", "en")] * 2
        assert await participant_of(bot, anna) is None
        assert not any(rows for table, rows in (await exported(bot, anna)).items() if table != "format")


async def test_too_short_reflection_is_refused_kindly(tg: FakeTelegram, tmp_path: Path) -> None:
    """A reflection under the minimum length is refused with a kind word and not stored; a longer one is."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        await at_why(anna)
        await anna.press("Overslaan")
        await anna.replies()
        anna.send("abc")
        anna.send("    ")
        assert await texts(anna) == [text("too_short", "nl", minimum=5)] * 2
        assert (await exported(bot, anna))["reflections"] == []
        anna.send("Met mijn team overleggen")
        assert await texts(anna) == [joined("Dank je", text("finished", "nl"))]


async def test_text_while_a_choice_is_open(tg: FakeTelegram, tmp_path: Path) -> None:
    """Typing while the bot waits for a button asks to use the buttons; nothing is stored."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="en")
        await chose(anna, "en")
        anna.send("/start sample")
        await anna.replies()
        anna.send("I would write it")
        assert await texts(anna) == [text("text_expected_choice", "en")]
        assert (await exported(bot, anna))["choices"] == []


async def test_reply_that_fails_with_a_server_error_is_sent_again(tg: FakeTelegram, tmp_path: Path) -> None:
    """A reply answered by a 5xx is tried again, so the person still gets it, once."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(language_code="en")
        tg.fail_next("sendMessage", 500, "Internal Server Error")
        tg.fail_next("sendMessage", 502, "Bad Gateway")
        anna.send("/help")
        assert await texts(anna) == [text("help", "en")]
        assert len(tg.calls_to("sendMessage")) == 3


async def test_apology_after_a_saved_step_says_it_was_saved(tg: FakeTelegram, tmp_path: Path) -> None:
    """A reply that cannot be sent after the answer was committed gets an apology that says the answer is kept."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="en")
        await chose(anna, "en")
        anna.send("/start sample")
        await anna.replies()
        tg.fail_next("sendMessage", 400, "Bad Request: something about the message")
        await anna.press("Write it")
        assert (await texts(anna))[-1] == text("error_after_saving", "en")
        assert [c["option"] for c in (await exported(bot, anna))["choices"]] == ["write"]


async def test_apology_for_an_update_delivered_again_says_it_was_saved(tg: FakeTelegram, tmp_path: Path) -> None:
    """A press applied before a restart and delivered again after it is not applied twice; if showing where
    the person is then fails, the apology says what is true: their choice is kept."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    async with running_bot(settings, tg):
        anna = tg.person(language_code="nl")
        press = await at_why(anna)
    async with running_bot(settings, tg) as bot:
        tg.fail_next("sendMessage", 400, "Bad Request: something about the message")
        tg.redeliver(press["update_id"])
        assert await texts(anna) == [text("error_after_saving", "nl")]
        assert [c["option"] for c in (await exported(bot, anna))["choices"]] == ["write"]


async def test_broken_state_gets_an_apology_and_others_are_served(tg: FakeTelegram, tmp_path: Path) -> None:
    """A conversation whose stored state is unreadable gets an apology; the bot keeps serving everyone."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna, ben = tg.person(language_code="nl"), tg.person(language_code="nl")
        await chose(ben, "nl")
        await at_why(anna)
        with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
            db.execute("UPDATE conversations SET state = '{\"broken\": true}'")
        db.close()
        anna.send("/continue")
        anna.send("Mijn antwoord")
        assert await texts(anna) == [text("error_nothing_saved", "nl")] * 2
        anna.send("/help")
        assert await texts(anna) == [text("help", "nl")]
        ben.send("/start sample")
        assert await texts(ben) == ["Hallo", joined("Een zaak", "Martin twijfelt.", "Wat doet hij?")]


async def test_expired_button_press_still_moves_on(tg: FakeTelegram, tmp_path: Path) -> None:
    """A press Telegram no longer lets the bot answer (too old) still shows the next question, without apology."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
        tg.fail_next("answerCallbackQuery", 400, QUERY_INVALID)
        await anna.press("Schrijven")
        assert await texts(anna) == [joined(text("peers_too_few", "nl", k=5), "Waarom?")]


async def test_rate_limited_reply_is_still_delivered(tg: FakeTelegram, tmp_path: Path) -> None:
    """A 429 on a reply makes the bot wait and send it again, so the person still gets it, once."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(language_code="nl")
        tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        anna.send("/help")
        assert await texts(anna) == [text("help", "nl")]
        assert len(tg.calls_to("sendMessage")) == 2


async def test_blocking_the_bot_marks_the_participant_inactive(tg: FakeTelegram, tmp_path: Path) -> None:
    """Blocking the bot marks the person inactive; writing again makes them active."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        anna.send("/start sample")
        await anna.replies()
        anna.block()
        await anna.replies()
        participant = await participant_of(bot, anna)
        assert participant is not None and not participant.active
        anna.unblock()
        await anna.replies()
        participant = await participant_of(bot, anna)
        assert participant is not None and participant.active


async def test_forbidden_reply_marks_the_participant_inactive(tg: FakeTelegram, tmp_path: Path) -> None:
    """A 403 on a reply marks the person inactive, without an apology attempt; their answer was still kept."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
        tg.set_blocked(anna.chat_id, True)
        await anna.press("Schrijven")
        await anna.replies()
        apologies = (text("error_after_saving", "nl"), text("error_nothing_saved", "nl"))
        assert not [call for call in tg.calls_to("sendMessage") if call.params.get("text") in apologies]
        participant = await participant_of(bot, anna)
        assert participant is not None and not participant.active
        assert [c["option"] for c in (await exported(bot, anna))["choices"]] == ["write"]


async def test_kicked_from_a_group_leaves_the_private_chat_alone(tg: FakeTelegram, tmp_path: Path) -> None:
    """Being refused in a group does not mark the person's own private chat inactive."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        anna.send("/help")
        await anna.replies()
        group = anna.in_group(-100_777)
        tg.set_blocked(group.chat_id, True)
        group.send("/help")
        await group.replies()
        participant = await participant_of(bot, anna)
        assert participant is not None and participant.active


async def test_unreadable_update_is_skipped(tg: FakeTelegram, tmp_path: Path) -> None:
    """An update the library cannot read is skipped and confirmed; the bot keeps polling and answering."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(language_code="en")
        tg.push({"message": {"message_id": 1, "text": "no chat, no date"}})
        anna.send("/help")
        assert await texts(anna) == [text("help", "en")]
        assert tg.unconfirmed == []
