"""The promises an attack on the bot found broken: each over real HTTP against the fake Telegram.

Forged erasure buttons, commands applied twice after a crash, one chat's 429s holding up everyone,
uploads that freeze the bot or publish a missing image, and text that answers a question never seen.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from botrun import SECRET, dialogues_folder, running_bot, settings_for
from fakeapi import FakeTelegram
from idscan import database_files, hits
from talk import at_why, chose, exported, joined, participant_of, store_of, texts, until

import bot.telegram.uploads
from bot.config import Settings
from bot.dialogue.model import DialogueId
from bot.store.keys import Keys
from bot.store.protocol import Saved, StepRecord
from bot.store.sqlite import SqliteStore
from bot.telegram.texts import text

ROOT = Path(__file__).parents[2]
TRAINER = 7001
SAMPLE = (Path(__file__).with_name("data") / "sample.yaml").read_bytes()
OPENED = joined("Een zaak", "Martin twijfelt.", "Wat doet hij?")  # the sample's first question, after its photo


def trainers(tg: FakeTelegram, tmp_path: Path) -> Settings:
    return settings_for(tg, tmp_path, dialogues_folder(tmp_path), extra={"GOODWORK_TRAINERS": str(TRAINER)})


# -- /forget ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("forged", ["f:y", "f:y:AAAAAAAA", "f:y:" + "A" * 40, "f:yes", "f:y:AAAA AAA"])
async def test_a_forged_erase_button_erases_nothing(tg: FakeTelegram, tmp_path: Path, forged: str) -> None:
    """Button data made up without the prompt's one-time code changes nothing."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        await at_why(anna)
        anna.send("/forget")
        await anna.replies()
        anna.press_data(forged)
        await anna.replies()
        assert (await exported(bot, anna))["conversations"] != []
        assert anna.answered_callbacks[-1] in (text("forged_button", "nl"), text("forget_expired", "nl"))


async def test_an_old_erase_button_expires(tg: FakeTelegram, tmp_path: Path) -> None:
    """The Yes of an earlier /forget prompt no longer works once a newer prompt was issued."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        await at_why(anna)
        anna.send("/forget")
        await anna.replies()
        first = anna.last.message_id
        anna.send("/forget")
        await anna.replies()
        old = anna.messages[[m.message_id for m in anna.messages].index(first)].button(text("forget_yes", "nl"))
        assert old is not None
        anna.press_data(str(old["callback_data"]), first)
        await anna.replies()
        assert anna.answered_callbacks[-1] == text("forget_expired", "nl")
        assert (await exported(bot, anna))["conversations"] != []
        await anna.press(text("forget_yes", "nl"))
        assert await texts(anna) == [text("forget_done", "nl")]


# -- crashes: applied once, and the person is shown where they are ---------------------------------


async def test_commands_delivered_again_after_a_restart_change_nothing_twice(tg: FakeTelegram, tmp_path: Path) -> None:
    """/cancel, /back and a trainer's Publish that Telegram sends again to a restarted bot are applied once."""
    settings = trainers(tg, tmp_path)
    anna, trainer = tg.person(language_code="nl"), tg.person(user_id=TRAINER, language_code="en")
    async with running_bot(settings, tg) as bot:
        await at_why(anna)
        anna.send("Omdat")
        await anna.replies()
        back = await anna.send("/back")
        await anna.replies()
        cancel = await anna.send("/cancel")
        await anna.replies()
        trainer.send_document(SAMPLE.replace(b"{nl: Hallo, en: Hello}", b"{nl: Hoi, en: Hi}"), "sample.yaml")
        await trainer.replies()
        publish = await trainer.press(text("draft_publish", "en"))
        await trainer.replies()
        versions = [v.number for v in await store_of(bot).versions(DialogueId("sample"))]
        revision = (await exported(bot, anna))["conversations"][0]["revision"]

    async with running_bot(settings, tg) as bot:
        for update in (back, cancel, publish):
            tg.redeliver(update["update_id"])
        await anna.replies()
        await trainer.replies()
        kept = await exported(bot, anna)
        assert kept["conversations"][0]["revision"] == revision, "/back was not applied a second time"
        assert [v.number for v in await store_of(bot).versions(DialogueId("sample"))] == versions
        assert await store_of(bot).current_dialogue(bot.keys.telegram(anna.user_id).person) is None


async def crash_after_commit(tg: FakeTelegram, settings: Settings, monkeypatch: pytest.MonkeyPatch, act: Act) -> int:
    """Run ``act``; its step commits and then the bot is gone before any reply leaves. The update id."""
    async with running_bot(settings, tg) as running:
        store = store_of(running)
        commit = store.commit_step

        async def commit_then_die(step: StepRecord) -> Saved:
            await commit(step)
            raise asyncio.CancelledError  # the process is gone before any reply leaves

        pushed = await act()
        monkeypatch.setattr(store, "commit_step", commit_then_die)
        update = await pushed
        await asyncio.sleep(0.2)
    monkeypatch.undo()
    return int(update["update_id"])


Act = Callable[[], Awaitable[Awaitable[dict[str, Any]]]]


async def test_a_step_committed_just_before_a_crash_is_shown_after_it(
    tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The step commits, the bot dies before replying and Telegram sends the update again: the person gets the
    next question, and the step is not applied twice."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    anna = tg.person(language_code="nl")

    async def press() -> Awaitable[dict[str, Any]]:
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
        return anna.press("Schrijven")

    update_id = await crash_after_commit(tg, settings, monkeypatch, press)
    assert anna.texts()[-1] == OPENED, "no reply left before the crash"
    async with running_bot(settings, tg) as running:
        tg.redeliver(update_id)
        assert await texts(anna) == ["Waarom?"]
        assert [c["option"] for c in (await exported(running, anna))["choices"]] == ["write"]


async def test_the_ending_committed_just_before_a_crash_is_shown_after_it(
    tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last answer commits, the bot dies before the ending is sent: delivered again, it shows the ending."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    anna = tg.person(language_code="nl")

    async def last_answer() -> Awaitable[dict[str, Any]]:
        await at_why(anna)
        anna.send("Omdat")
        await anna.replies()

        async def sent() -> dict[str, Any]:
            return await anna.send("Ik zou het bespreken")

        return sent()

    update_id = await crash_after_commit(tg, settings, monkeypatch, last_answer)
    async with running_bot(settings, tg) as running:
        tg.redeliver(update_id)
        assert await texts(anna) == [joined("Dank je", text("finished", "nl"))]
        assert len((await exported(running, anna))["reflections"]) == 2


async def test_no_telegram_id_in_the_files_after_kill_9(tg: FakeTelegram, tmp_path: Path) -> None:
    """People chat with a running bot, which is then killed with SIGKILL: the database, its WAL and its shared
    memory hold none of their Telegram ids, as text or as an integer in any width."""
    folder = dialogues_folder(tmp_path)
    database = tmp_path / "killed.sqlite3"
    environment = {
        **os.environ,
        "GOODWORK_TOKEN": tg.token,
        "GOODWORK_API_URL": tg.api_url,
        "GOODWORK_DB": str(database),
        "GOODWORK_SECRET": SECRET,
        "GOODWORK_DIALOGUES": str(folder),
        "GOODWORK_PACING_MS": "0",
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await until(lambda: tg.polled, timeout=20)
        people = [tg.person(user_id=7_402_000_000 + 104_729 * n, language_code="nl") for n in range(8)]
        for person in people:
            person.send("/start")
        await until(lambda: all(p.messages for p in people), timeout=10)
        for person in people:
            await person.press("Nederlands")
        await until(lambda: all(len(p.messages) >= 3 for p in people), timeout=10)
        for person in people:
            person.send("/start sample")
        await until(lambda: all(p.texts()[-1] == OPENED for p in people), timeout=10)
        time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    files = database_files(database)
    assert {path.name for path in files} >= {database.name, database.name + "-wal"}, "killed mid-run: a WAL is left"
    assert hits(files, [person.user_id for person in people]) == []


# -- one chat's limits and one trainer's upload do not hold up the others --------------------------


async def test_a_chat_held_by_429s_does_not_hold_up_the_others(
    tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """People whose chats Telegram limits wait out their retry_after; well over a hundred others, whose updates
    Telegram would not even hand out while the waiting ones held the offset back, are answered at once."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path), extra={"GOODWORK_PACING_MS": "0"})
    async with running_bot(settings, tg) as running:
        store, kept = store_of(running), list[int]()
        spill = store.spill

        async def counted(updates: Sequence[tuple[int, str]]) -> None:
            kept.extend(update_id for update_id, _ in updates)
            await spill(updates)

        monkeypatch.setattr(store, "spill", counted)
        limited = [tg.person(language_code="en") for _ in range(12)]
        tg.limit_chats([p.chat_id for p in limited], per_second=0.1, retry_after=6)
        for person in limited:
            person.send("/help")
            person.send("/privacy")
        await until(lambda: all(p.texts() for p in limited), timeout=5)  # their second replies now wait
        others = [tg.person(language_code="en") for _ in range(150)]
        for person in others:
            person.send("/help")
        waited = await until(lambda: all(p.texts() for p in others), timeout=5.5)
        assert waited < 3.0, f"others waited {waited:.2f} s"
        await until(lambda: all(len(p.texts()) == 2 for p in limited), timeout=20)
        await tg.settled()
        assert kept, "the waiting updates were kept in the inbox, so the offset could move on"
        assert await store.spilled() == [], "and they left it once handled"


async def test_updates_kept_in_the_inbox_are_handled_after_a_restart(tg: FakeTelegram, tmp_path: Path) -> None:
    """An update Telegram was told about but the bot had not finished (kept, sealed, in the inbox) is handled
    when the bot starts again, before anything new; the inbox is empty afterwards."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    anna = tg.person(language_code="nl")
    async with running_bot(settings, tg):
        await chose(anna, "nl")  # the update below then opens the dialogue at once
    message = {
        "message_id": tg.new_message_id(anna.chat_id),
        "from": anna.user,
        "chat": anna.chat,
        "date": int(time.time()),
        "text": "/start sample",
        "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
    }
    async with await SqliteStore.open(Path(settings.db), keys=Keys(SECRET)) as store:
        await store.spill([(4242, json.dumps({"update_id": 4242, "message": message}))])
    assert b"/start sample" not in b"".join(path.read_bytes() for path in database_files(Path(settings.db)))
    async with running_bot(settings, tg) as running:
        await until(lambda: bool(anna.texts()) and anna.texts()[-1] == OPENED, timeout=5)
        await tg.settled()
        assert await store_of(running).spilled() == []


async def test_an_upload_being_checked_does_not_hold_up_the_others(tg: FakeTelegram, tmp_path: Path) -> None:
    """While a big broken dialogue is checked, other people are answered; the trainer then gets its problems."""
    nodes = "".join(
        f"  n{i}:\n    type: message\n    say: {{en: Step {i}}}\n    next: missing{i}\n" for i in range(6000)
    )
    broken = f"id: big\nversion: 1\ntitle: {{en: Big}}\nsession: other\nlanguages: [en]\nstart: n0\nnodes:\n{nodes}"
    assert len(broken) > 300_000
    async with running_bot(trainers(tg, tmp_path), tg):
        trainer, ben = tg.person(user_id=TRAINER, language_code="en"), tg.person(language_code="en")
        trainer.send_document(broken.encode(), "big.yaml")
        await until(lambda: bool(tg.calls_to("getFile")), timeout=5)
        ben.send("/help")
        waited = await until(lambda: bool(ben.texts()), timeout=3)
        assert waited < 1.0
        await trainer.replies(timeout=30)
        assert trainer.texts()[-1].startswith(text("upload_problems", "en", filename="big.yaml", count=6000))


async def test_a_check_that_takes_too_long_is_stopped(
    tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check past its time budget is stopped and the trainer told so; nothing is published."""
    monkeypatch.setattr(bot.telegram.uploads, "BUDGET", 0.001)
    async with running_bot(trainers(tg, tmp_path), tg) as running:
        trainer = tg.person(user_id=TRAINER, language_code="en")
        trainer.send_document(SAMPLE.replace(b"id: sample", b"id: slow"), "slow.yaml")
        assert await texts(trainer, timeout=10) == [text("upload_too_slow", "en", filename="slow.yaml", seconds=0)]
        assert DialogueId("slow") not in await store_of(running).dialogue_ids()


async def test_an_upload_naming_a_missing_image_is_refused(tg: FakeTelegram, tmp_path: Path) -> None:
    """An image file that is not in the dialogues folder is a problem at its line, as goodwork validate says."""
    missing = SAMPLE.replace(b"image: https://example.org/case.png", b"image: memo.png")
    async with running_bot(trainers(tg, tmp_path), tg) as running:
        trainer = tg.person(user_id=TRAINER, language_code="en")
        trainer.send_document(missing, "sample.yaml")
        (shown,) = await texts(trainer)
        assert "image file 'memo.png' not found" in shown and trainer.last.buttons == []
        (tmp_path / "dialogues" / "memo.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
        trainer.send_document(missing, "sample.yaml")
        await trainer.replies()
        await trainer.press(text("draft_publish", "en"))
        await trainer.replies()
        anna = tg.person(language_code="en")
        await chose(anna, "en")
        anna.send("/start sample")
        await anna.replies()
        assert anna.documents[0].content == b"\x89PNG\r\n\x1a\nfake", "the image is sent from the dialogues folder"
        assert len(await store_of(running).versions(DialogueId("sample"))) == 2


# -- what counts as an answer ----------------------------------------------------------------------


async def test_the_tail_of_a_split_message_does_not_answer_the_next_question(tg: FakeTelegram, tmp_path: Path) -> None:
    """A client splits a long text in two: the head answers the question, the tail is not stored as the next."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        await at_why(anna)
        anna.send("a" * 4096)
        anna.send("the tail of the same text")
        shown = await texts(anna)
        assert shown == ["Wat zou jij doen?", text("written_before_question", "nl")]
        assert [len(r["text"]) for r in (await exported(bot, anna))["reflections"]] == [4096]
        anna.send("Mijn eigen antwoord")
        await anna.replies()
        assert len((await exported(bot, anna))["reflections"]) == 2


async def test_invisible_characters_do_not_make_an_answer_long_enough(tg: FakeTelegram, tmp_path: Path) -> None:
    """Zero-width spaces and joiners around two letters do not pass a minimum length."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        await at_why(anna)
        anna.send("Omdat")
        await anna.replies()
        anna.send("\u200b" * 20 + "Ja" + "\u200d\u2060" * 10)
        assert await texts(anna) == [text("too_short", "nl", minimum=5)]
        assert len((await exported(bot, anna))["reflections"]) == 1


@pytest.mark.parametrize("forged", ["c:sample:01:pick:write", "c:sample:+1:pick:write", "s:sample:0001:why"])
async def test_button_numbers_only_in_their_own_form(tg: FakeTelegram, tmp_path: Path, forged: str) -> None:
    """A dialogue button whose version is written in another form is forged, and moves nothing."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="en")
        anna.send("/start sample")
        await anna.replies()
        anna.press_data(forged)
        await anna.replies()
        assert anna.answered_callbacks[-1] == text("forged_button", "en")
        assert (await exported(bot, anna))["choices"] == []
        participant = await participant_of(bot, anna)
        assert participant is not None and participant.active
