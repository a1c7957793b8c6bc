"""`goodwork db` on PostgreSQL: upgrade and status, a server that is not there, backups, and `db copy` between
SQLite and PostgreSQL with its refusals. Each test gets a schema of its own on GOODWORK_TEST_POSTGRES."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "store"))
from pg import fresh_schema_sync

from bot.cli.main import main
from bot.dialogue.model import DialogueId
from bot.store import Keys, open_database
from bot.store.copy import COPIED, NOT_COPIED
from bot.store.protocol import Planned
from bot.store.sqlite_schema import IMPERSONAL_TABLES, MIGRATIONS, PERSONAL_TABLES

SECRET = "cli-secret-" + "p" * 32
KEYS = Keys(SECRET)
LATEST = len(MIGRATIONS)
PEOPLE = [81_000_001, 81_000_002, 81_000_003]


@pytest.fixture
def postgres(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    with fresh_schema_sync() as url:
        yield url


def test_upgrade_and_status_name_the_database_without_its_password(
    postgres: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same migrations as SQLite's; the URL is shown with its password hidden."""
    with_password = postgres.replace("postgresql://postgres@", "postgresql://postgres:hunter2secret@")
    monkeypatch.setenv("GOODWORK_DB", with_password)
    assert main(["db", "upgrade"]) == 0
    assert f"applied {LATEST} migration(s), schema at version {LATEST}" in capsys.readouterr().out
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert f"schema version: {LATEST} (this goodwork knows {LATEST})" in out and "pending" not in out
    assert "hunter2secret" not in out and "postgres:***@" in out


def test_server_not_there_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing listening: exit 2 with one line naming the database, no traceback."""
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    monkeypatch.setenv("GOODWORK_DB", "postgresql://postgres:pw@127.0.0.1:9/test")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "cannot use the PostgreSQL database postgresql://postgres:***@127.0.0.1:9/test" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("GOODWORK_DB", "postgresql://postgres@127.0.0.1:9/test?password=hunter3")
    assert main(["db", "status"]) == 2
    assert "?password=***" in (err := capsys.readouterr().err) and "hunter3" not in err


def test_other_secret_is_refused(
    postgres: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GOODWORK_DB", postgres)
    assert main(["db", "upgrade"]) == 0
    monkeypatch.setenv("GOODWORK_SECRET", "another-" + "z" * 32)
    assert main(["db", "status"]) == 78
    assert "not the secret this database was made with" in capsys.readouterr().err


def test_every_table_is_copied_or_deliberately_not() -> None:
    """A table a later migration adds must be listed for copying (or said not to be)."""
    assert set(COPIED) | NOT_COPIED == set(PERSONAL_TABLES) | IMPERSONAL_TABLES


async def _fill(db: str) -> dict[str, Any]:
    """People with conversations, a tranche with follow-ups, a trainer, an erasure; what each person exports."""
    store = await open_database(db, KEYS)
    try:
        await store.publish(DialogueId("sample"), "id: sample\n", "test")
        tranche = await store.open_tranche("course", "spring", date(2026, 12, 1), "trainer")
        for user in PEOPLE:
            who = KEYS.telegram(user)
            await store.save_participant(who.contact, user)
            plan = [Planned(datetime(2026, 12, 9, 9, tzinfo=UTC), DialogueId("sample"))]
            await store.enrol(who.contact, tranche.code, plan, "en")
            await store.set_current(who.person, DialogueId("sample"), update=user)
        await store.erase(KEYS.telegram(PEOPLE[2]))
        return {str(user): await store.export(KEYS.telegram(user)) for user in PEOPLE}
    finally:
        await store.close()


async def _read(db: str) -> tuple[dict[str, Any], dict[str, int], list[int]]:
    store = await open_database(db, KEYS)
    try:
        exports = {str(user): await store.export(KEYS.telegram(user)) for user in PEOPLE}
        counts = await store.row_counts(COPIED)
        await store.erase(KEYS.telegram(PEOPLE[0]))  # numbered after the erasures copied over
        return exports, counts, [erasure.number for erasure in await store.erasures()]
    finally:
        await store.close()


def test_copy_from_sqlite_to_postgresql_and_back(
    postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every row moves as it is: each person's export is the same on the other side, and back again."""
    source, back = tmp_path / "bot.sqlite3", tmp_path / "back.sqlite3"
    exported = asyncio.run(_fill(str(source)))
    assert main(["db", "copy", "--from", str(source), "--to", postgres]) == 0
    out = capsys.readouterr().out
    assert "every table's count matches" in out and "participants 2" in out
    assert main(["db", "copy", "--from", postgres, "--to", str(back)]) == 0
    capsys.readouterr()
    with sqlite3.connect(back) as db:
        assert db.execute("SELECT count(*) FROM outbox").fetchone() == (2,)
    on_postgres, counts, numbers = asyncio.run(_read(postgres))
    assert on_postgres == exported and counts["participants"] == 2 and counts["erasures"] == 1
    assert numbers == [1, 2]
    assert asyncio.run(_read(str(back)))[0] == exported


def test_copy_refuses_a_target_that_holds_rows(
    postgres: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Copying twice into one database would mix two deployments: refused, and the target keeps its rows."""
    source = tmp_path / "bot.sqlite3"
    asyncio.run(_fill(str(source)))
    assert main(["db", "copy", "--from", str(source), "--to", postgres]) == 0
    capsys.readouterr()
    assert main(["db", "copy", "--from", str(source), "--to", postgres]) == 2
    err = capsys.readouterr().err
    assert "is not empty (" in err and "participants 2" in err and "Traceback" not in err
    assert asyncio.run(_read(postgres))[1]["participants"] == 2


def test_copy_refusals_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A source that is not there, or a target that is not empty: one line each, and no file left behind."""
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    target = tmp_path / "new.sqlite3"
    assert main(["db", "copy", "--from", str(tmp_path / "missing.sqlite3"), "--to", str(target)]) == 78
    assert "--from: no database at" in capsys.readouterr().err
    source = tmp_path / "bot.sqlite3"
    asyncio.run(_fill(str(source)))
    assert main(["db", "copy", "--from", str(source), "--to", str(source)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert not target.exists()


def test_backup_of_postgresql_is_a_sqlite_file(
    postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`db backup` on PostgreSQL writes a private SQLite copy that `db copy` can bring back."""
    monkeypatch.setenv("GOODWORK_DB", postgres)
    exported = asyncio.run(_fill(postgres))
    target = tmp_path / "backup.sqlite3"
    assert main(["db", "backup", str(target)]) == 0
    assert "backed up" in capsys.readouterr().out and target.stat().st_mode & 0o777 == 0o600
    assert asyncio.run(_read(str(target)))[0] == exported
    assert main(["db", "backup", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err


async def _erase(db: str, user: int) -> None:
    async with await open_database(db, KEYS) as store:
        await store.erase(KEYS.telegram(user))


async def _exported(db: str, user: int) -> dict[str, Any]:
    async with await open_database(db, KEYS) as store:
        return await store.export(KEYS.telegram(user))


def test_restore_on_postgresql_erases_again_who_was_forgotten_since(
    postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A backup put back in place does not bring back someone erased after it was taken; what it replaced is
    kept in a file beside it."""
    monkeypatch.setenv("GOODWORK_DB", postgres)
    exported = asyncio.run(_fill(postgres))
    backup = tmp_path / "backup.sqlite3"
    assert main(["db", "backup", str(backup)]) == 0
    asyncio.run(_erase(postgres, PEOPLE[0]))  # after the backup: restoring must not bring them back
    capsys.readouterr()
    assert main(["db", "restore", str(backup)]) == 0
    out = capsys.readouterr().out
    assert "applied again: 1 (1 person(s) in it)" in out
    assert asyncio.run(_exported(postgres, PEOPLE[0]))["participants"] == []
    assert asyncio.run(_exported(postgres, PEOPLE[1])) == exported[str(PEOPLE[1])]
    replaced = next(tmp_path.glob("replaced-*.sqlite3"))
    assert asyncio.run(_read(str(replaced)))[1]["erasures"] == 2, "the replaced rows, as they were"


def test_restore_refuses_while_an_instance_is_connected(
    postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GOODWORK_DB", postgres)
    asyncio.run(_fill(postgres))
    backup = tmp_path / "backup.sqlite3"
    assert main(["db", "backup", str(backup)]) == 0
    capsys.readouterr()

    async def restore_while_running() -> int:
        async with await open_database(postgres, KEYS, instance="bot-a"):
            return await asyncio.to_thread(main, ["db", "restore", str(backup)])

    assert asyncio.run(restore_while_running()) == 2
    err = capsys.readouterr().err
    assert "stop every instance before restoring: bot-a still connected" in err
    assert asyncio.run(_read(postgres))[1]["participants"] == 2, "nothing changed"


async def _beats(db: str, *beats: tuple[str, str, timedelta]) -> None:
    now = datetime.now(UTC)
    async with await open_database(db, KEYS) as store:
        for instance, loop, ago in beats:
            await store.beat(instance, loop, now - ago)


def test_health_of_each_instance_on_one_database(
    postgres: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two instances beat into one PostgreSQL database: each one's health reads its own loops."""
    monkeypatch.setenv("GOODWORK_DB", postgres)
    assert main(["db", "upgrade"]) == 0
    second = timedelta(seconds=1)
    asyncio.run(
        _beats(postgres, ("bot-a", "webhook", 10 * second), ("bot-a", "outbox", 20 * second)),
    )
    asyncio.run(_beats(postgres, ("bot-b", "webhook", 5 * second), ("bot-b", "outbox", 600 * second)))
    capsys.readouterr()
    monkeypatch.setenv("GOODWORK_INSTANCE", "bot-a")
    assert main(["health"]) == 0
    assert capsys.readouterr().out.startswith(f"healthy: database at schema {LATEST}, webhook loop 1")
    monkeypatch.setenv("GOODWORK_INSTANCE", "bot-b")
    assert main(["health"]) == 1
    assert "outbox loop" in capsys.readouterr().out
