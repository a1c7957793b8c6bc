"""`goodwork db`: upgrade, status, backup and prune from the command line, with clear refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.store.sqlite_schema import MIGRATIONS

SECRET = "cli-secret-" + "q" * 32
LATEST = len(MIGRATIONS)


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GOODWORK_DB", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    return tmp_path / "bot.sqlite3"


def test_status_upgrade_status(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Status before the first upgrade says there is no database; upgrade creates it; status then lists it."""
    assert main(["db", "status"]) == 1
    assert "no database at" in capsys.readouterr().out and not database.exists()
    assert main(["db", "upgrade"]) == 0
    assert f"applied {LATEST} migration(s), schema at version {LATEST}" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "applied 0 migration(s)" in capsys.readouterr().out
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert f"schema version: {LATEST} (this goodwork knows {LATEST})" in out and "applied 1:" in out
    assert "pending" not in out


def test_backup(database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A backup is a complete private copy; a second backup to the same name is refused."""
    main(["db", "upgrade"])
    target = tmp_path / "copy.sqlite3"
    assert main(["db", "backup", str(target)]) == 0
    assert "backed up" in capsys.readouterr().out
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM migrations").fetchone() == (LATEST,)
    assert main(["db", "backup", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_prune_reports_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """Prune applies GOODWORK_RETENTION_DAYS and says what it deleted."""
    assert main(["db", "prune"]) == 0
    assert "older than 365 days: 0 reflection(s)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        pytest.param("", "GOODWORK_SECRET is not set", id="missing"),
        pytest.param("short", "GOODWORK_SECRET: is 5 characters long", id="short"),
        pytest.param("another-" + "w" * 32, "not the secret this database was made with", id="other"),
    ],
)
def test_secret_problems_stop_with_a_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], secret: str, message: str
) -> None:
    """A missing, short or different secret exits 78 (a configuration problem) with one line, and no traceback."""
    main(["db", "upgrade"])
    capsys.readouterr()
    monkeypatch.setenv("GOODWORK_SECRET", secret)
    assert main(["db", "status"]) == 78
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_unknown_kind_of_database_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A URL of a database goodwork does not speak is refused with one line (a configuration problem)."""
    monkeypatch.setenv("GOODWORK_DB", "mysql://localhost/goodwork")
    assert main(["db", "upgrade"]) == 78
    err = capsys.readouterr().err
    assert "'mysql' databases are not supported" in err and "Traceback" not in err
