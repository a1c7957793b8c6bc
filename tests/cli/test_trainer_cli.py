"""`goodwork trainer`: a one-time invitation link, a count of trainers, and revoking one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.store import Keys, SqliteStore

SECRET = "trainer-secret-" + "t" * 32


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GOODWORK_DB", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    monkeypatch.setenv("GOODWORK_BOT_USERNAME", "GoodWorkBot")
    monkeypatch.setenv("GOODWORK_TRAINERS", "11")
    return tmp_path


def redeem(path: Path, code: str, telegram_id: int) -> bool:
    async def go() -> bool:
        keys = Keys(SECRET)
        async with await SqliteStore.open(path, keys=keys) as store:
            return await store.redeem_invitation(code, keys.telegram(telegram_id).contact)

    return asyncio.run(go())


def test_invite_list_revoke(environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The invitation is a t_ deep link that works once; list counts both kinds; revoke ends it."""
    assert main(["trainer", "invite", "--days", "3"]) == 0
    link = capsys.readouterr().out.splitlines()[0]
    assert link.startswith("https://t.me/GoodWorkBot?start=t_")
    code = link.split("start=t_", 1)[1]
    assert redeem(environment / "bot.sqlite3", code, 42) and not redeem(environment / "bot.sqlite3", code, 43)
    assert main(["trainer", "list"]) == 0
    assert "1 trainer(s) in GOODWORK_TRAINERS, 1 invited by link" in capsys.readouterr().out
    assert main(["trainer", "revoke", "42"]) == 0
    assert main(["trainer", "revoke", "42"]) == 1
    assert "no invited trainer" in capsys.readouterr().out


def test_invite_needs_the_username(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Without GOODWORK_BOT_USERNAME there is no link to print: one line says so."""
    monkeypatch.delenv("GOODWORK_BOT_USERNAME")
    assert main(["trainer", "invite"]) == 78
    assert "GOODWORK_BOT_USERNAME is not set" in capsys.readouterr().err
