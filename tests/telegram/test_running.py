"""The bot as a process: restarts, crashes, confirmed offsets, a second poller, logs and ``goodwork run``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botrun import SECRET, dialogues_folder, running_bot, settings_for
from fakeapi import TOKEN, FakeTelegram
from talk import WHY, Hold, bounded, chose, exported, joined, participant_of, state_of, store_of, texts, until

from bot.cli.main import QUIET_LOGGERS, configure_logging, main
from bot.telegram.app import Bot
from bot.telegram.errors import PollingError
from bot.telegram.texts import text


async def test_resume_after_a_restart_on_the_version_it_started(tg: FakeTelegram, tmp_path: Path) -> None:
    """After a restart /continue asks the same question, and the conversation ends on the version it began on."""
    folder = dialogues_folder(tmp_path)
    settings = settings_for(tg, tmp_path, folder)
    anna = tg.person(language_code="nl")
    async with running_bot(settings, tg):
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
        await anna.press("Schrijven")
        assert await texts(anna) == [WHY]

    sample = folder / "sample.yaml"
    sample.write_text(sample.read_text().replace("Waarom?", "Waarom zo?").replace("Dank je", "Tot ziens"))
    async with running_bot(settings, tg) as bot:
        anna.send("/continue")
        assert await texts(anna) == ["Waarom?"]
        await anna.press("Overslaan")
        assert await texts(anna) == ["Wat zou jij doen?"]
        anna.send("Eerst met het team praten")
        assert await texts(anna) == [joined("Dank je", text("finished", "nl"))]
        state = await state_of(bot, anna)
        assert state is not None and state.done and state.version == 1

        ben = tg.person(language_code="nl")
        await chose(ben, "nl")
        ben.send("/start sample")
        await ben.replies()
        await ben.press("Schrijven")
        assert await texts(ben) == [joined(text("peers_too_few", "nl", k=5), "Waarom zo?")]


async def test_update_delivered_again_after_a_restart_is_handled_once(tg: FakeTelegram, tmp_path: Path) -> None:
    """A press and a reflection that Telegram sends again to a restarted bot change nothing again; each time the
    person is shown where they are (the open question), so nobody waits for a reply that was lost."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    anna = tg.person(language_code="nl")
    async with running_bot(settings, tg):
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
        press = await anna.press("Schrijven")
        await anna.replies()
        reflection = await anna.send("Omdat het moet")
        assert (await texts(anna))[-1] == "Wat zou jij doen?"

    async with running_bot(settings, tg) as bot:
        for update in (press, reflection):
            tg.redeliver(update["update_id"])
        assert await texts(anna) == ["Wat zou jij doen?"] * 2
        assert anna.answered_callbacks == ["", ""], "the language, then the press once (Telegram refuses a second)"
        kept = await exported(bot, anna)
        assert len(kept["choices"]) == 1 and len(kept["reflections"]) == 1
        assert kept["conversations"][0]["revision"] == 3


async def test_offset_never_passes_an_uncommitted_step(
    tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one person's step waits to commit, Telegram is not told it was handled, though later updates finish."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna, ben = tg.person(language_code="nl"), tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
        hold = Hold(monkeypatch, bot, anna)
        press = await anna.press("Schrijven")
        await bounded(hold.reached.wait())
        ben.send("/help")
        last = await ben.send("/privacy")
        await until(lambda: len(ben.texts()) == 2)
        await asyncio.sleep(0.15)  # a few more polls while the step is held
        assert tg.confirmed <= press["update_id"] and press["update_id"] in tg.unconfirmed

        hold.release()
        assert await texts(anna) == [WHY]
        assert tg.confirmed > last["update_id"]


async def test_stopping_lets_an_update_in_progress_finish(
    tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopping the bot mid-step waits for the step, shows its reply and confirms it, so it is not sent again."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    anna = tg.person(language_code="nl")
    async with running_bot(settings, tg) as bot:
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
        hold = Hold(monkeypatch, bot, anna)
        await anna.press("Schrijven")
        await bounded(hold.reached.wait())
        asyncio.get_running_loop().call_later(0.1, hold.release)
    assert anna.texts()[-1] == WHY
    assert tg.unconfirmed == []


async def test_update_cut_short_by_a_crash_is_handled_after_restart(
    tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step cut short by a crash is not confirmed; the restarted bot gets it again and handles it once."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path))
    anna = tg.person(language_code="nl")
    crashed = Bot(settings)
    serving = asyncio.ensure_future(crashed.serve())
    try:
        await until(lambda: tg.polled, timeout=5)
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
        hold = Hold(monkeypatch, crashed, anna)
        press = await anna.press("Schrijven")
        await bounded(hold.reached.wait())
    finally:
        serving.cancel()  # the process dies: no more polling, nothing more confirmed
        with contextlib.suppress(asyncio.CancelledError):
            await bounded(serving)
    hold.crash()
    assert press["update_id"] in tg.unconfirmed

    async with running_bot(settings, tg) as bot:
        assert await texts(anna) == [WHY]
        assert [c["option"] for c in (await exported(bot, anna))["choices"]] == ["write"]
        assert anna.answered_callbacks == ["", ""], "the language, then the press handled once"


async def test_a_regular_keeps_their_settings_past_the_retention_period(tg: FakeTelegram, tmp_path: Path) -> None:
    """Someone who keeps writing is not pruned as inactive a year after they first came: their /stop still holds."""
    now = datetime(2025, 1, 6, 12, tzinfo=UTC)
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg, clock=lambda: now) as bot:
        anna = tg.person(language_code="nl")
        anna.send("/stop")
        await anna.replies()
        now += timedelta(days=400)
        anna.send("/help")
        await anna.replies()
        await store_of(bot).prune(now.date(), 365)
        participant = await participant_of(bot, anna)
        assert participant is not None and participant.paused


async def test_second_poller_stops_the_bot(tg: FakeTelegram, tmp_path: Path) -> None:
    """When another process polls the same token, serve() stops with a PollingError that says so."""
    tg.conflict = True
    bot = Bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)))
    with pytest.raises(PollingError, match="another process is polling"):
        await bounded(bot.serve(), 5)


async def test_conflict_while_running_lets_work_in_progress_finish(
    tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second poller appearing mid-step stops the bot, but only after that step has been shown."""
    anna = tg.person(language_code="nl")
    with pytest.raises(PollingError, match="another process is polling"):
        async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
            await chose(anna, "nl")
            anna.send("/start sample")
            await anna.replies()
            hold = Hold(monkeypatch, bot, anna)
            await anna.press("Schrijven")
            await bounded(hold.reached.wait())
            polls = len(tg.calls_to("getUpdates"))
            tg.conflict = True
            await until(lambda: len(tg.calls_to("getUpdates")) > polls)
            await asyncio.sleep(0.05)  # the 409 reaches the poller while the step is still held
            hold.release()
            await until(lambda: tg.calls_to("getUpdates")[-1].params.get("limit") == 1)  # the drain's last call
    assert anna.texts()[-1] == WHY


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """configure_logging changes global logger levels and handlers: put them back afterwards."""
    root = logging.getLogger()
    handlers, levels = list(root.handlers), {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    yield
    root.handlers[:] = handlers
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("logging_restored")
async def test_no_personal_data_in_logs(tg: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """At DEBUG, with errors and refusals along the way, no reflection, name or Telegram id reaches a log line."""
    configure_logging(verbose=True)
    caplog.set_level(logging.DEBUG)
    secret_text, name, user_id, username = "Zq7 sentinel reflectie", "Gwendolyn", 7_314_159_265, "gwen_private"
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        gwen = tg.person(user_id=user_id, first_name=name, language_code="nl", username=username)
        gwen.send("/start")
        await gwen.replies()
        await gwen.press("Nederlands")
        await gwen.replies()
        gwen.send(secret_text)
        gwen.send("/start sample")
        await gwen.replies()
        await gwen.press("Schrijven")
        await gwen.replies()
        tg.fail_next("sendMessage", 400, "Bad Request: message is too long")
        gwen.send(secret_text + " twee")  # stored, but the next question fails to arrive
        gwen.send("Zq")  # too short for "Wat zou jij doen?"
        gwen.send("/mydata")
        tg.push({"message": {"message_id": 99, "from": gwen.user, "text": secret_text}})  # unreadable
        gwen.press_data("x:" + secret_text)
        await gwen.replies()
        assert text("error_after_saving", "nl") in gwen.texts()
    assert any(record.name.startswith("bot.") for record in caplog.records)
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    for personal in (secret_text, "Zq7", name, str(user_id), username):
        assert personal not in logged


@pytest.fixture
def bare_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No GOODWORK_* variable set, and a working folder of our own."""
    for name in list(os.environ):
        if name.startswith("GOODWORK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


@pytest.mark.usefixtures("logging_restored")
@pytest.mark.parametrize("token", [None, "12345", "not a token at all"])
def test_run_without_a_usable_token(
    bare_environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], token: str | None
) -> None:
    """`goodwork run` without a (well-formed) token exits 2, naming GOODWORK_TOKEN and pointing to `goodwork play`."""
    bare_environment.setenv("GOODWORK_SECRET", SECRET)
    if token is not None:
        bare_environment.setenv("GOODWORK_TOKEN", token)
    assert main(["run"]) == 78, "a configuration problem: systemd does not restart on it"
    error = capsys.readouterr().err
    assert "GOODWORK_TOKEN" in error and "goodwork play" in error
    if token is not None:
        assert token not in error


@pytest.mark.usefixtures("logging_restored")
def test_run_without_a_secret(bare_environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`goodwork run` with a token but no GOODWORK_SECRET exits 2 naming GOODWORK_SECRET, and opens nothing."""
    bare_environment.setenv("GOODWORK_TOKEN", TOKEN)
    assert main(["run"]) == 78, "a configuration problem: systemd does not restart on it"
    assert "GOODWORK_SECRET" in capsys.readouterr().err
    assert not list(Path.cwd().iterdir())
