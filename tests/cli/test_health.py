"""``goodwork health``: one line and exit 0 when this instance works, exit 1 naming what does not.

The loops' heartbeats are written as the running bot writes them (``Store.beat``); the bot itself is run
in tests/telegram/test_health_metrics.py.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.store import Keys, Pseudonym, SqliteStore
from bot.store.protocol import Planned
from bot.store.sqlite_schema import MIGRATIONS

SECRET = "health-secret-" + "h" * 32
LATEST = len(MIGRATIONS)


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GOODWORK_DB", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    monkeypatch.setenv("GOODWORK_INSTANCE", "bot-1")
    return tmp_path / "bot.sqlite3"


def beats(database: Path, *beats: tuple[str, str, timedelta], due: int = 0) -> None:
    """Heartbeats (instance, loop, how long ago), and ``due`` follow-ups due an hour ago, as a bot would leave them."""

    async def write() -> None:
        now = datetime.now(UTC)
        async with await SqliteStore.open(database, keys=Keys(SECRET)) as store:
            for instance, loop, ago in beats:
                await store.beat(instance, loop, now - ago)
            for number in range(due):
                await store.queue(Pseudonym(f"c{number}"), None, Planned(now - timedelta(hours=1), "sample"))

    asyncio.run(write())


def health(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["health"])
    out, err = capsys.readouterr()
    assert err == "" and out.count("\n") == 1, "one line, on stdout"
    return code, out.strip()


def test_healthy_when_both_loops_went_round_lately(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    beats(database, ("bot-1", "polling", timedelta(seconds=20)), ("bot-1", "outbox", timedelta(seconds=40)), due=3)
    code, line = health(capsys)
    assert code == 0
    assert re.fullmatch(  # seconds pass between writing the beats and reading them on a busy machine
        rf"healthy: database at schema {LATEST}, polling loop 2[0-4] s ago, outbox loop 4[0-4] s ago, "
        "3 due in the outbox, the oldest for 60 min",
        line,
    ), line


def test_a_webhook_loop_counts_as_the_loop_that_receives(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    beats(database, ("bot-1", "webhook", timedelta(seconds=5)), ("bot-1", "outbox", timedelta(seconds=5)))
    code, line = health(capsys)
    assert code == 0 and re.search(r"webhook loop [5-9] s ago", line) and "nothing due in the outbox" in line


@pytest.mark.parametrize(
    ("polling", "outbox", "problem"),
    [
        pytest.param(300, 10, "the polling loop last went round 5 min ago (more than 2 min)", id="polling"),
        pytest.param(10, 600, "the outbox loop last went round 10 min ago (more than 3 min)", id="outbox"),
    ],
)
def test_a_loop_that_stopped_going_round_is_named(
    database: Path, capsys: pytest.CaptureFixture[str], polling: int, outbox: int, problem: str
) -> None:
    beats(database, ("bot-1", "polling", timedelta(seconds=polling)), ("bot-1", "outbox", timedelta(seconds=outbox)))
    code, line = health(capsys)
    assert code == 1 and line == f"unhealthy: {problem}"


def test_another_instances_beats_do_not_count(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two instances share a database: the health of bot-1 is bot-1's own loops, not bot-2's."""
    beats(database, ("bot-2", "polling", timedelta(seconds=1)), ("bot-2", "outbox", timedelta(seconds=1)))
    code, line = health(capsys)
    assert code == 1
    assert line == (
        "unhealthy: no polling or webhook loop has run as instance 'bot-1' (GOODWORK_INSTANCE); "
        "no outbox loop has run as instance 'bot-1'"
    )


def test_no_database_is_unhealthy_and_none_is_created(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, line = health(capsys)
    assert code == 1 and line.startswith("unhealthy: no database at ") and not database.exists()


def test_a_schema_behind_this_goodwork_is_unhealthy(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The database was last opened by an older goodwork (the new one has not started yet): it says so, and
    upgrades nothing."""

    async def older() -> None:
        store = await SqliteStore.open(database, keys=Keys(SECRET), migrations=MIGRATIONS[:-1])
        await store.close()

    asyncio.run(older())
    code, line = health(capsys)
    assert code == 1
    assert f"the database is at schema version {LATEST - 1}, this goodwork expects {LATEST}" in line
    assert main(["db", "status"]) == 0 and f"schema version: {LATEST - 1}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        pytest.param("", "unhealthy: GOODWORK_SECRET is not set", id="missing"),
        pytest.param("other-" + "o" * 32, "unhealthy: the database cannot be used: GOODWORK_SECRET is not", id="other"),
    ],
)
def test_secret_problems_are_unhealthy_in_one_line(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], secret: str, problem: str
) -> None:
    beats(database, ("bot-1", "polling", timedelta(0)), ("bot-1", "outbox", timedelta(0)))
    monkeypatch.setenv("GOODWORK_SECRET", secret)
    code, line = health(capsys)
    assert code == 1 and line.startswith(problem)
    assert secret == "" or secret not in line


def test_a_bad_setting_is_unhealthy_in_one_line(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GOODWORK_INSTANCE", "bot 1")
    monkeypatch.setenv("GOODWORK_TZ", "Mars/Olympus")
    code, line = health(capsys)
    assert code == 1 and line.startswith("unhealthy: GOODWORK_TZ: unknown time zone") and "GOODWORK_INSTANCE" in line


def test_a_file_that_is_no_database_is_unhealthy(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database.write_bytes(b"this is not SQLite" * 100)
    code, line = health(capsys)
    assert code == 1 and line.startswith("unhealthy: the database cannot be used: ")
    assert database.read_bytes() == b"this is not SQLite" * 100, "left as it was"
