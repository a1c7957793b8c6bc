"""`goodwork digest queue | preview`, and `course open --trainer`: the weekly rhythm from the command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.store.keys import Keys
from bot.store.sqlite import SqliteStore
from bot.telegram.texts import text

ROOT = Path(__file__).parents[2]
SECRET = "digest-cli-secret-" + "d" * 32
KEYS = Keys(SECRET)


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOODWORK_DB", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    monkeypatch.setenv("GOODWORK_DIALOGUES", str(ROOT / "dialogues"))
    monkeypatch.setenv("GOODWORK_BOT_USERNAME", "GoodWorkBot")
    return tmp_path


def people(database: Path, *user_ids: int) -> None:
    async def write() -> None:
        async with await SqliteStore.open(database, keys=KEYS) as store:
            for user_id in user_ids:
                await store.save_participant(KEYS.telegram(user_id).contact, user_id)
                await store.update_participant(KEYS.telegram(user_id).contact, language="en")

    asyncio.run(write())


def test_queue_counts_first_and_queues_once(environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The first number printed is how many were queued; the same week again queues 0; another week, again all."""
    people(environment / "bot.sqlite3", 11, 12, 13)
    assert main(["digest", "queue", "--week", "2026-W50"]) == 0
    assert capsys.readouterr().out.startswith("queued 3 digests for 2026-W50")
    assert main(["digest", "queue", "--week", "2026-W50"]) == 0
    assert capsys.readouterr().out.startswith("queued 0 digests for 2026-W50")
    assert main(["digest", "queue", "--week", "2026-W51"]) == 0
    assert capsys.readouterr().out.startswith("queued 3 digests for 2026-W51")


@pytest.mark.parametrize("week", ["2026-50", "2026-W60", "next"])
def test_a_malformed_week_is_refused(week: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A week that is not an ISO week of its year is refused in one line, naming it."""
    with pytest.raises(SystemExit):
        main(["digest", "queue", "--week", week])
    assert repr(week) in capsys.readouterr().err


@pytest.mark.parametrize("language", ["nl", "en"])
def test_preview_needs_nothing_and_shows_a_digest(
    language: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The preview prints a digest with example figures, in the language asked, without a database or secret."""
    monkeypatch.delenv("GOODWORK_SECRET")
    assert main(["digest", "preview", "--lang", language]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(text("digest_header", language)) and text("session_ethics", language) in shown
    assert "%" in shown and len(shown) < 1000


def test_a_tranche_opened_for_a_trainer_is_theirs(environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`course open --trainer ID` makes that trainer follow the tranche (its weekly summary goes to them)."""
    assert (
        main(
            ["course", "open", "art-of-connecting", "--tranche", "Zwolle", "--date", "2026-11-20", "--trainer", "4242"]
        )
        == 0
    )
    capsys.readouterr()

    async def followers() -> list[str]:
        async with await SqliteStore.open(environment / "bot.sqlite3", keys=KEYS) as store:
            (tranche,) = await store.tranches()
            return list(await store.tranche_trainers(tranche.code))

    assert asyncio.run(followers()) == [KEYS.telegram(4242).contact]
