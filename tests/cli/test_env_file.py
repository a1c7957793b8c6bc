"""``goodwork --env-file PATH``: the settings of a systemd EnvironmentFile, for commands run by hand."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import main

SECRET = "env-file-secret-" + "e" * 32


@pytest.fixture(autouse=True)
def environment() -> Iterator[None]:
    """``--env-file`` sets the process's environment, as it should: put it back for the other tests."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_the_files_settings_are_used_and_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Quoted values, values with spaces and comments read as systemd reads them; the file's values win."""
    monkeypatch.setenv("GOODWORK_DB", str(tmp_path / "not-this.sqlite3"))
    monkeypatch.delenv("GOODWORK_SECRET", raising=False)
    env = tmp_path / "goodwork.env"
    env.write_text(
        "# the service's settings\n"
        f"GOODWORK_DB={tmp_path / 'bot.sqlite3'}\n"
        f'GOODWORK_SECRET="{SECRET}"\n'
        "; another comment\n\n"
        "GOODWORK_HOURS=mon-fri 09:00-17:00\n"
        "GOODWORK_TZ = 'Europe/Brussels'\n"
    )
    assert main(["--env-file", str(env), "db", "upgrade"]) == 0
    assert (tmp_path / "bot.sqlite3").exists() and not (tmp_path / "not-this.sqlite3").exists()
    assert SECRET not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("GOODWORK_DB=/x\nexport GOODWORK_TZ=UTC\n", "line 2: expected NAME=value", id="export"),
        pytest.param("just words\n", "line 1: expected NAME=value", id="words"),
        pytest.param(None, "cannot read", id="missing"),
    ],
)
def test_a_file_that_cannot_be_read_stops_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    env = tmp_path / "goodwork.env"
    if content is not None:
        env.write_text(content)
    assert main(["--env-file", str(env), "db", "status"]) == 78
    err = capsys.readouterr().err
    assert err.startswith("goodwork: --env-file: ") and message in err and err.count("\n") == 1
