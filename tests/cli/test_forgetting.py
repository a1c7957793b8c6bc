"""Erasing on a written request, and restoring a backup without bringing back anyone erased since it was taken."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.store.keys import Keys
from bot.store.sqlite import SqliteStore
from bot.store.sqlite_schema import MIGRATIONS

sys.path.insert(0, str(Path(__file__).parents[1] / "telegram"))
from idscan import database_files, hits

SECRET = "cli-secret-" + "q" * 32
KEYS = Keys(SECRET)
ANNA, BEN, CARL = 7_501_000_001, 7_501_000_002, 7_501_000_003


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GOODWORK_DB", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    return tmp_path / "bot.sqlite3"


def people(path: Path, *telegram_ids: int) -> None:
    """Everyone in ``telegram_ids`` has written to the bot once."""

    async def write() -> None:
        async with await SqliteStore.open(path, keys=KEYS) as store:
            for user_id in telegram_ids:
                await store.save_participant(KEYS.telegram(user_id).contact, user_id)

    asyncio.run(write())


def kept(path: Path) -> list[int]:
    async def read() -> list[int]:
        async with await SqliteStore.open(path, keys=KEYS) as store:
            return sorted(chat for _, chat in await store.contacts())

    return asyncio.run(read())


def test_forget_by_telegram_id(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An operator erases one person by their Telegram id; the erasure is recorded; others stay."""
    people(database, ANNA, BEN)
    assert main(["forget", "--telegram-id", str(ANNA)]) == 0
    assert "erased 1 row(s)" in capsys.readouterr().out
    assert kept(database) == [BEN]
    assert main(["forget", "--telegram-id", str(ANNA)]) == 0
    assert "nothing was kept for that Telegram id" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["anna", "-5", "12e3", "٣"])
def test_forget_refuses_what_is_not_a_telegram_id(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Something that is not a whole number is refused by the argument parser, naming the value."""
    with pytest.raises(SystemExit):
        main(["forget", "--telegram-id", bad])
    assert "expected a Telegram user id" in capsys.readouterr().err


def test_restore_erases_again_whoever_was_erased_since(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A backup restored over the database comes back without the people erased after it was taken."""
    people(database, ANNA, BEN, CARL)
    backup = tmp_path / "backup.sqlite3"
    assert main(["db", "backup", str(backup)]) == 0
    assert main(["forget", "--telegram-id", str(ANNA)]) == 0
    assert main(["forget", "--telegram-id", str(CARL)]) == 0
    capsys.readouterr()
    assert kept(backup) == [ANNA, BEN, CARL], "the backup still holds them: that is what restoring must undo"
    assert main(["db", "restore", str(backup)]) == 0
    out = capsys.readouterr().out
    assert "applied again: 2 (2 person(s) in it)" in out and "kept as" in out
    assert kept(database) == [BEN]
    assert hits(database_files(database), [ANNA, BEN, CARL]) == []
    replaced = next(tmp_path.glob("bot.sqlite3.replaced-*"))
    assert kept(replaced) == [BEN]
    assert main(["forget", "--telegram-id", str(BEN)]) == 0
    assert main(["db", "restore", str(backup)]) == 0, "erasures carry on after a restore"
    assert kept(database) == []


def test_restore_without_a_database_says_what_it_cannot_do(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the database gone, the backup is restored and the operator told that later erasures are unknown."""
    people(database, ANNA)
    backup = tmp_path / "backup.sqlite3"
    assert main(["db", "backup", str(backup)]) == 0
    for path in database_files(database):
        path.unlink()
    capsys.readouterr()
    assert main(["db", "restore", str(backup)]) == 0
    assert "cannot be applied again" in capsys.readouterr().out
    assert kept(database) == [ANNA]


def test_restore_refuses_a_missing_backup_and_one_made_with_another_secret(
    database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A backup that is not there, or that another secret made, is refused in one line; the database stays."""
    people(database, ANNA)
    assert main(["db", "restore", str(tmp_path / "nope.sqlite3")]) == 2
    assert "no backup at" in capsys.readouterr().err
    other = tmp_path / "other.sqlite3"
    monkeypatch.setenv("GOODWORK_DB", str(other))
    monkeypatch.setenv("GOODWORK_SECRET", "another-secret-" + "z" * 32)
    assert main(["db", "upgrade"]) == 0
    monkeypatch.setenv("GOODWORK_DB", str(database))
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    capsys.readouterr()
    assert main(["db", "restore", str(other)]) == 78
    err = capsys.readouterr().err
    assert "not the secret" in err and "Traceback" not in err
    assert kept(database) == [ANNA] and not list(tmp_path.glob(".*restoring*"))


def test_upgrade_says_that_older_backups_hold_chat_ids(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Upgrading past the migration that seals chat ids tells the operator about the backups made before it."""

    async def old() -> None:
        await (await SqliteStore.open(database, keys=KEYS, migrations=MIGRATIONS[:4])).close()

    asyncio.run(old())
    assert main(["db", "upgrade"]) == 0
    assert "Backups made before this upgrade still hold them in clear" in capsys.readouterr().out
