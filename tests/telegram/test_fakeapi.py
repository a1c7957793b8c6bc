"""The fake Telegram server, driven over real HTTP by python-telegram-bot's own ``Bot``."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import time
from collections.abc import AsyncIterator

import pytest
from fakeapi import FakeTelegram
from telegram import Bot, BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

ANNA = 7
BEN = 8


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with tg.bot() as ptb_bot:
        yield ptb_bot


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"button {index}", callback_data=d)] for index, d in enumerate(data)]
    )


async def poll_and_echo(bot: Bot) -> None:
    """A tiny bot: show typing, answer each text in capitals, confirm it only after answering."""
    offset = None
    while True:
        for update in await bot.get_updates(offset=offset, timeout=5):
            assert update.message is not None and update.message.text is not None
            await bot.send_chat_action(update.message.chat.id, "typing")
            await bot.send_message(update.message.chat.id, update.message.text.upper())
            offset = update.update_id + 1


async def test_get_me_answers_the_bot_user(tg: FakeTelegram, bot: Bot) -> None:
    """getMe answers the bot user (Bot.initialize already called it)."""
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (tg.bot_user["id"], "GoodWorkTestBot", True)
    assert bot.username == "GoodWorkTestBot"
    assert [call.method for call in tg.calls] == ["getMe", "getMe"]


async def test_wrong_token_is_unauthorized(tg: FakeTelegram) -> None:
    """A token other than tg.token is answered 401 Unauthorized, which PTB raises as InvalidToken."""
    stranger = Bot("987654321:" + "B" * 35, base_url=tg.api_url, base_file_url=tg.file_url)
    with pytest.raises(InvalidToken):
        async with stranger:
            pass


async def test_unknown_method_is_not_found(bot: Bot) -> None:
    """A method the fake does not implement answers 404 Not Found."""
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTeleportation")


async def test_long_poll_returns_an_update_pushed_while_waiting(tg: FakeTelegram, bot: Bot) -> None:
    """A waiting getUpdates returns as soon as an update is pushed; a leading command gets its entity."""
    anna = tg.person(user_id=ANNA)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    await anna.send("/start martin")
    [update] = await asyncio.wait_for(poll, 1)
    assert update.message is not None and update.message.text == "/start martin"
    assert [(e.type, e.offset, e.length) for e in update.message.entities] == [("bot_command", 0, 6)]
    assert update.message.from_user is not None and update.message.from_user.language_code == "nl"


async def test_offset_confirms_and_drops_older_updates(tg: FakeTelegram, bot: Bot) -> None:
    """Unconfirmed updates come again; an offset confirms and drops every update below it."""
    anna = tg.person(user_id=ANNA)
    first, second = await anna.send("one"), await anna.send("two")
    assert [u.update_id for u in await bot.get_updates()] == [first["update_id"], second["update_id"]]
    assert [u.update_id for u in await bot.get_updates()] == [first["update_id"], second["update_id"]]
    assert [u.update_id for u in await bot.get_updates(offset=second["update_id"])] == [second["update_id"]]
    assert tg.acknowledged(first["update_id"]) and not tg.acknowledged(second["update_id"])
    assert await bot.get_updates(offset=second["update_id"] + 1) == ()
    assert tg.acknowledged(second["update_id"])
    assert (tg.confirmed, tg.unconfirmed) == (second["update_id"] + 1, [])


async def test_get_updates_timeout_returns_empty(bot: Bot) -> None:
    """With nothing to deliver, getUpdates waits `timeout` seconds, then returns no updates."""
    start = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(seconds=0.2)) == ()
    assert 0.15 <= time.monotonic() - start < 1


async def test_limit_and_allowed_updates(tg: FakeTelegram, bot: Bot) -> None:
    """getUpdates returns at most `limit` updates, and drops kinds not in `allowed_updates`."""
    anna = tg.person(user_id=ANNA)
    for text in ("a", "b", "c"):
        anna.send(text)
    anna.block()
    assert [u.message.text for u in await bot.get_updates(limit=2) if u.message] == ["a", "b"]
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in updates if u.message] == ["a", "b", "c"]
    assert len(updates) == 3


async def test_inline_keyboard_round_trips(tg: FakeTelegram, bot: Bot) -> None:
    """sendMessage answers a full Message with the keyboard as sent; pressing it reaches the bot."""
    anna = tg.person(user_id=ANNA)
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Ja", callback_data="yes"), InlineKeyboardButton("Nee", callback_data="no")]]
    )
    sent = await bot.send_message(ANNA, "Doe je mee?", reply_markup=markup)
    assert sent.reply_markup == markup and sent.text == "Doe je mee?" and sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.id == tg.bot_user["id"]
    assert (anna.last.text, anna.last.buttons) == ("Doe je mee?", ["Ja", "Nee"])
    await anna.press("Nee")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.data == "no" and query.from_user.id == ANNA
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await query.answer("Genoteerd")
    assert anna.answered_callbacks == ["Genoteerd"]
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("twice")


async def test_pressing_a_missing_button_lists_the_buttons(tg: FakeTelegram, bot: Bot) -> None:
    """press() with a text no keyboard has fails with the buttons that do exist."""
    anna = tg.person(user_id=ANNA)
    await bot.send_message(ANNA, "Kies", reply_markup=keyboard("a", "b"))
    with pytest.raises(AssertionError, match=r"no button 'Ja'.*\['button 0', 'button 1'\]"):
        await anna.press("Ja")


async def test_forged_press_edits_and_group_messages_reach_the_bot(tg: FakeTelegram, bot: Bot) -> None:
    """press_data sends any data on a bot message; edits and group messages arrive as Telegram shapes them."""
    anna = tg.person(user_id=ANNA, username="anna")
    sent = await bot.send_message(ANNA, "Kies", reply_markup=keyboard("a"))
    anna.press_data("forged:1")
    anna.send("eerst")
    anna.edit("daarna")
    group = anna.in_group(-100)
    group.send("/start@GoodWorkTestBot")
    forged, first, edited, in_group = await bot.get_updates()
    assert forged.callback_query is not None and forged.callback_query.data == "forged:1"
    assert forged.callback_query.message is not None and forged.callback_query.message.message_id == sent.message_id
    assert first.message is not None and edited.edited_message is not None
    assert (edited.edited_message.message_id, edited.edited_message.text) == (first.message.message_id, "daarna")
    assert in_group.message is not None and in_group.message.chat.type == "group"
    assert in_group.message.entities[0].length == len("/start@GoodWorkTestBot")
    await bot.send_message(-100, "Hallo groep")
    assert group.texts() == ["Hallo groep"] and anna.texts() == ["Kies"]


async def test_callback_data_over_64_bytes_is_bad_request(tg: FakeTelegram, bot: Bot) -> None:
    """callback_data may hold 1 to 64 UTF-8 bytes; 65 bytes (or 33 'é') is BUTTON_DATA_INVALID."""
    tg.person(user_id=ANNA)
    await bot.send_message(ANNA, "fits", reply_markup=keyboard("x" * 64, "é" * 32))
    for data in ("x" * 65, "é" * 33):
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(ANNA, "too big", reply_markup=keyboard(data))


async def test_text_over_4096_utf16_units_is_bad_request(tg: FakeTelegram, bot: Bot) -> None:
    """A text holds 4096 UTF-16 code units: 4097 characters, or 2049 emoji, are too long; "" is empty."""
    tg.person(user_id=ANNA)
    await bot.send_message(ANNA, "x" * 4096)
    for text in ("x" * 4097, "😀" * 2049):
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(ANNA, text)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(ANNA, " ")


async def test_edit_that_changes_nothing_is_bad_request(tg: FakeTelegram, bot: Bot) -> None:
    """An edit to the same text and keyboard is 'message is not modified'; one without a keyboard drops it."""
    anna = tg.person(user_id=ANNA)
    sent = await bot.send_message(ANNA, "Hallo", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Hallo", chat_id=ANNA, message_id=sent.message_id, reply_markup=keyboard("a"))
    await bot.edit_message_text("Hallo", chat_id=ANNA, message_id=sent.message_id)
    assert anna.last.buttons == [] and anna.messages[0].edited
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_reply_markup(chat_id=ANNA, message_id=sent.message_id + 1, reply_markup=keyboard("b"))


async def test_edits_and_deletions_show_in_what_a_person_sees(tg: FakeTelegram, bot: Bot) -> None:
    """A person's view of the chat has edits applied and deleted messages gone."""
    anna = tg.person(user_id=ANNA)
    first = await bot.send_message(ANNA, "Eén", reply_markup=keyboard("a"))
    second = await bot.send_message(ANNA, "Twee")
    await bot.edit_message_reply_markup(chat_id=ANNA, message_id=first.message_id, reply_markup=keyboard("b", "c"))
    await bot.delete_message(ANNA, second.message_id)
    assert anna.texts() == ["Eén"] and anna.last.buttons == ["button 0", "button 1"]
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(ANNA, second.message_id)


async def test_unknown_chat_is_bad_request(bot: Bot) -> None:
    """Sending to a chat no person opened is 'chat not found'."""
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(404, "anyone?")


async def test_blocked_chat_is_forbidden(tg: FakeTelegram, bot: Bot) -> None:
    """A person who blocks the bot sends a my_chat_member update and sends to them raise Forbidden."""
    anna = tg.person(user_id=ANNA)
    await anna.block()
    [update] = await bot.get_updates()
    assert update.my_chat_member is not None and update.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ANNA, "Hallo?")
    await anna.unblock()
    await bot.send_message(ANNA, "Welkom terug")


async def test_per_chat_rate_limit_raises_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    """Over limit_per_chat the answer is 429 with retry_after (RetryAfter); other chats are not limited."""
    tg.person(user_id=ANNA), tg.person(user_id=BEN, first_name="Ben")
    tg.limit_per_chat(1)
    await bot.send_message(ANNA, "one")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ANNA, "two")
    assert caught.value.retry_after == dtm.timedelta(seconds=1)
    await bot.send_message(BEN, "another chat")


async def test_global_rate_limit_and_injected_failure(tg: FakeTelegram, bot: Bot) -> None:
    """limit_global counts all chats; fail_next answers one chosen error, once."""
    tg.person(user_id=ANNA), tg.person(user_id=BEN, first_name="Ben")
    tg.limit_global(2)
    await bot.send_message(ANNA, "one")
    await bot.send_message(BEN, "two")
    with pytest.raises(RetryAfter):
        await bot.send_message(ANNA, "three")
    tg.limit_global(None)
    tg.fail_next("sendMessage", 502, "Bad Gateway")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(ANNA, "four")
    await bot.send_message(ANNA, "five")


async def test_conflict_when_another_instance_polls(tg: FakeTelegram, bot: Bot) -> None:
    """With tg.conflict set, getUpdates (even one already waiting) answers 409 Conflict."""
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    tg.conflict = True
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(waiting, 1)
    with pytest.raises(Conflict):
        await bot.get_updates()


async def test_send_document_keeps_the_bytes(tg: FakeTelegram, bot: Bot) -> None:
    """An uploaded document keeps its filename and bytes, so a test can read the file the bot sent."""
    anna = tg.person(user_id=ANNA)
    payload = json.dumps({"answers": ["ja"]}).encode()
    sent = await bot.send_document(ANNA, payload, filename="export.json", caption="Je gegevens")
    assert sent.document is not None and sent.document.file_name == "export.json"
    [document] = anna.documents
    assert (document.filename, document.json()) == ("export.json", {"answers": ["ja"]})
    assert anna.texts() == ["Je gegevens"]


async def test_send_photo_by_upload_and_by_url(tg: FakeTelegram, bot: Bot) -> None:
    """sendPhoto keeps uploaded bytes; a photo given by URL is accepted without bytes."""
    anna = tg.person(user_id=ANNA)
    await bot.send_photo(ANNA, b"\x89PNG fake", filename="memo.png", caption="Het memo")
    sent = await bot.send_photo(ANNA, "https://example.org/memo.png")
    assert sent.photo and anna.texts() == ["Het memo"]
    assert [upload.content for upload in anna.documents] == [b"\x89PNG fake"]


async def test_person_document_downloads_through_get_file(tg: FakeTelegram, bot: Bot) -> None:
    """A document a person sends can be fetched with getFile and File.download_as_bytearray()."""
    anna = tg.person(user_id=ANNA)
    await anna.send_document(b"%PDF-1.4 notes", "notities.pdf", "application/pdf")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.document is not None
    file = await update.message.document.get_file()
    assert await file.download_as_bytearray() == bytearray(b"%PDF-1.4 notes")


async def test_other_media_a_person_sends_arrive_as_telegram_shapes_them(tg: FakeTelegram, bot: Bot) -> None:
    """Stickers, photos and voice messages parse as PTB objects."""
    anna = tg.person(user_id=ANNA)
    anna.send_sticker(), anna.send_photo(caption="kijk"), anna.send_voice()
    sticker, photo, voice = [update.message for update in await bot.get_updates()]
    assert sticker is not None and sticker.sticker is not None and sticker.sticker.emoji == "👍"
    assert photo is not None and photo.photo and photo.caption == "kijk"
    assert voice is not None and voice.voice is not None and voice.voice.mime_type == "audio/ogg"


async def test_commands_are_kept_per_scope_and_language(tg: FakeTelegram, bot: Bot) -> None:
    """setMyCommands stores one list per scope and language_code; getMyCommands reads exactly that one."""
    await bot.set_my_commands([BotCommand("start", "Begin")], language_code="en")
    await bot.set_my_commands([BotCommand("start", "Begin opnieuw")], scope=BotCommandScopeChat(ANNA))
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Begin"]
    assert await bot.get_my_commands() == ()
    assert tg.commands({"type": "chat", "chat_id": ANNA}) == [{"command": "start", "description": "Begin opnieuw"}]
    await bot.delete_my_commands(language_code="en")
    assert tg.commands(language_code="en") == []
    assert await bot.set_my_description("Een coach") and await bot.set_my_short_description("Coach")
    assert tg.description() == "Een coach"


async def test_html_parse_mode_becomes_entities(tg: FakeTelegram, bot: Bot) -> None:
    """HTML text is stored as Telegram shows it (tags become entities); unsupported tags are refused."""
    anna = tg.person(user_id=ANNA)
    sent = await bot.send_message(ANNA, "<b>Martin</b> &amp; jij", parse_mode="HTML")
    assert sent.text == "Martin & jij" and [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 6)]
    assert anna.last.text == "Martin & jij"
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(ANNA, "a<br>b", parse_mode="HTML")


async def test_settled_waits_until_the_bot_confirmed_and_went_quiet(tg: FakeTelegram, bot: Bot) -> None:
    """replies() returns what the bot answered once every update is confirmed and the bot is quiet."""
    anna, ben = tg.person(user_id=ANNA), tg.person(user_id=BEN, first_name="Ben")
    echo = asyncio.create_task(poll_and_echo(bot))
    try:
        anna.send("hallo")
        ben.send("hoi")
        assert [reply.text for reply in await anna.replies()] == ["HALLO"]
        anna.send("nog iets")
        assert [reply.text for reply in await anna.replies()] == ["NOG IETS"]
        assert ben.texts() == ["HOI"] and anna.actions == ["typing", "typing"]
    finally:
        echo.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await echo


async def test_settled_times_out_naming_unconfirmed_updates(tg: FakeTelegram) -> None:
    """settled() raises a TimeoutError that names the updates no getUpdates offset confirmed."""
    tg.person(user_id=ANNA).send("hallo?")
    with pytest.raises(TimeoutError, match=r"updates \[1\] were not confirmed.*never called getUpdates"):
        await tg.settled(timeout=0.1)


async def test_redelivered_update_comes_again_with_its_id(tg: FakeTelegram, bot: Bot) -> None:
    """redeliver() hands out an already confirmed update again, with the same update_id."""
    anna = tg.person(user_id=ANNA)
    first = await anna.send("eens")
    await bot.get_updates(offset=first["update_id"] + 1)
    assert tg.unconfirmed == []
    tg.redeliver(first["update_id"])
    [again] = await bot.get_updates(offset=first["update_id"] + 1)
    assert again.update_id == first["update_id"] and again.message is not None and again.message.text == "eens"
    assert await bot.get_updates(offset=first["update_id"] + 1) == ()


async def test_python_telegram_bot_application_runs_against_the_fake(tg: FakeTelegram) -> None:
    """An unmodified PTB Application polls the fake: commands and button presses get answered."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("Welkom", reply_markup=keyboard("go"))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Top")
        await update.callback_query.edit_message_text("Gekozen")

    app = Application.builder().token(tg.token).base_url(tg.api_url).base_file_url(tg.file_url).build()
    app.add_handlers([CommandHandler("start", start), CallbackQueryHandler(pressed)])
    anna = tg.person(user_id=ANNA)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=5))
        try:
            await anna.send("/start")
            assert [reply.text for reply in await anna.replies()] == ["Welkom"]
            await anna.press("button 0")
            await anna.replies()
            assert (anna.texts(), anna.last.buttons, anna.answered_callbacks) == (["Gekozen"], [], ["Top"])
        finally:
            await app.updater.stop()
            await app.stop()
    assert tg.unconfirmed == [] and "deleteWebhook" in [call.method for call in tg.calls]


async def test_chosen_chats_are_limited_and_others_are_not(tg: FakeTelegram, bot: Bot) -> None:
    """limit_chats answers 429 in the chosen chats only, until the rate allows; None lifts the limit."""
    tg.person(user_id=ANNA), tg.person(user_id=BEN, first_name="Ben")
    tg.limit_chats([ANNA], 1 / 30)
    await bot.send_message(ANNA, "one")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ANNA, "two")
    assert caught.value.retry_after == dtm.timedelta(seconds=30)
    for text in ("three", "four", "five"):
        await bot.send_message(BEN, text)
    tg.limit_chats([ANNA], None)
    await bot.send_message(ANNA, "six")


async def test_chosen_chats_can_answer_a_fixed_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    """With retry_after given, a 429 in a limited chat says exactly that many seconds; edits count too."""
    tg.person(user_id=ANNA)
    tg.limit_chats([ANNA], 1, retry_after=30)
    sent = await bot.send_message(ANNA, "one")
    with pytest.raises(RetryAfter) as caught:
        await bot.edit_message_text("edited", ANNA, sent.message_id)
    assert caught.value.retry_after == dtm.timedelta(seconds=30)


async def test_stalled_call_is_answered_late(tg: FakeTelegram, bot: Bot) -> None:
    """stall_next makes the next call of that method wait before it is carried out, once."""
    anna = tg.person(user_id=ANNA)
    tg.stall_next("sendMessage", 0.3)
    started = time.monotonic()
    await bot.send_message(ANNA, "late")
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    await bot.send_message(ANNA, "on time")
    assert time.monotonic() - started < 0.3 and anna.texts() == ["late", "on time"]


async def test_client_that_gives_up_on_a_stalled_call_leaves_nothing_done(tg: FakeTelegram, bot: Bot) -> None:
    """A client timeout during a stall closes the connection: PTB raises TimedOut and nothing is sent."""
    anna = tg.person(user_id=ANNA)
    tg.stall_next("sendMessage", 5)
    with pytest.raises(TimedOut):
        await bot.send_message(ANNA, "never", read_timeout=0.2)
    await asyncio.sleep(0.1)
    assert anna.texts() == [] and [call.method for call in tg.calls].count("sendMessage") == 1
    await bot.send_message(ANNA, "again")
    assert anna.texts() == ["again"]


async def test_dropped_call_is_carried_out_but_never_answered(tg: FakeTelegram, bot: Bot) -> None:
    """drop_next stores the message, then closes the connection: PTB raises NetworkError; the next call is normal."""
    anna = tg.person(user_id=ANNA)
    tg.drop_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(ANNA, "sent, unconfirmed")
    assert anna.texts() == ["sent, unconfirmed"]
    await bot.send_message(ANNA, "confirmed")
    assert anna.texts() == ["sent, unconfirmed", "confirmed"]
