"""Operator-facing failures are one line naming the cause and the fix: no traceback, no token, no secret.

``goodwork run`` is started as its own process (``python -m bot run``) against
the fake Bot API server from ``tests/telegram``, served by this test's event
loop, so the child is only ever awaited, never waited for with a blocking call.
"""

from __future__ import annotations

import asyncio
import os
import socket
import string
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from bot.cli.main import EX_CONFIG
from bot.cli.playkey import explain_mismatch, key_file
from bot.config import Settings
from bot.store import Keys, open_store
from bot.store.errors import SecretMismatchError, StoreFileError
from bot.store.sqlite_files import connect_reader, connect_sync

TELEGRAM_TESTS = str(Path(__file__).resolve().parents[1] / "telegram")
if TELEGRAM_TESTS not in sys.path:
    sys.path.insert(0, TELEGRAM_TESTS)  # fakeapi.py lives there, imported by name

from fakeapi import FakeTelegram  # noqa: E402

ROOT = Path(__file__).parents[2]
REJECTED = "123456789:" + string.ascii_letters[:35]  # well-formed, but not the fake's token
SECRET = "failures-test-secret-" + "k" * 32
FLAGS = [pytest.param([], id="quiet"), pytest.param(["-v"], id="verbose")]


@dataclass(frozen=True)
class Done:
    code: int
    out: str
    err: str


async def goodwork(*args: str, env: dict[str, str], cwd: Path, stdin: str = "") -> Done:
    """``python -m bot ARGS`` to its end (killed after 60 s)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=cwd,
    )
    try:
        out, err = await asyncio.wait_for(child.communicate(stdin.encode()), 60)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    assert child.returncode is not None
    return Done(child.returncode, out.decode(), err.decode())


def environment(api_url: str, token: str = REJECTED, **settings: str) -> dict[str, str]:
    """This process's environment without any GOODWORK_* variable, plus the bot's settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GOODWORK_")}
    env.update(GOODWORK_TOKEN=token, GOODWORK_SECRET=SECRET, GOODWORK_API_URL=api_url)
    env.update(GOODWORK_DIALOGUES=str(ROOT / "dialogues"), **settings)
    return env


def one_line(done: Done, code: int) -> str:
    """The single line on stderr, after checking the exit code and that nothing secret was printed."""
    assert (done.code, done.err.count("\n")) == (code, 1), done.err
    assert "Traceback" not in done.err
    for value in (REJECTED, REJECTED.partition(":")[2], SECRET):
        assert value not in done.err + done.out
    return done.err.strip()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("flags", FLAGS)
async def test_rejected_token_is_one_line(tmp_path: Path, flags: list[str]) -> None:
    """A token Telegram refuses: one line naming GOODWORK_TOKEN and @BotFather, exit 78, nothing opened."""
    async with FakeTelegram() as tg:
        database = tmp_path / "bot.sqlite3"
        done = await goodwork(*flags, "run", env=environment(tg.api_url, GOODWORK_DB=str(database)), cwd=tmp_path)
    line = one_line(done, EX_CONFIG)
    assert line.startswith("goodwork: Telegram refused GOODWORK_TOKEN (401 Unauthorized)")
    assert "@BotFather" in line and not database.exists()


@pytest.mark.parametrize("flags", FLAGS)
async def test_unreachable_telegram_is_one_line(tmp_path: Path, flags: list[str]) -> None:
    """Nothing listening at GOODWORK_API_URL: one line naming the host (never the URL, which holds the token)."""
    port = closed_port()
    env = environment(f"http://127.0.0.1:{port}/bot", GOODWORK_DB=str(tmp_path / "bot.sqlite3"))
    line = one_line(await goodwork(*flags, "run", env=env, cwd=tmp_path), 2)
    assert line.startswith(f"goodwork: cannot reach Telegram at 127.0.0.1:{port}")
    assert "GOODWORK_API_URL" in line and "/bot" not in line


async def test_telegram_server_error_is_one_line(tmp_path: Path) -> None:
    """Telegram answering getMe with 502: one line with the status and the host, exit 2 (systemd retries)."""
    async with FakeTelegram() as tg:
        tg.fail_next("getMe", 502, "Bad Gateway")
        env = environment(tg.api_url, tg.token, GOODWORK_DB=str(tmp_path / "bot.sqlite3"))
        line = one_line(await goodwork("-v", "run", env=env, cwd=tmp_path), 2)
    assert line.startswith(f"goodwork: cannot reach Telegram at 127.0.0.1:{tg.port} (502 Bad Gateway)")


async def test_proxy_error_page_is_one_line(tmp_path: Path) -> None:
    """A proxy answering with an HTML error page: one line with the status, not the page, and no traceback."""

    async def error_page(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", error_page)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host = f"127.0.0.1:{runner.addresses[0][1]}"
        env = environment(f"http://{host}/bot", GOODWORK_DB=str(tmp_path / "bot.sqlite3"))
        line = one_line(await goodwork("-v", "run", env=env, cwd=tmp_path), 2)
    finally:
        await runner.cleanup()
    assert line.startswith(f"goodwork: cannot reach Telegram at {host} (502 Bad Gateway)") and "<html>" not in line


async def test_run_after_play_explains_the_play_key(tmp_path: Path) -> None:
    """`goodwork play` then `goodwork run` in one folder: one line says play's local key made the database."""
    async with FakeTelegram() as tg:
        played = await goodwork(
            "play", "martin", env=environment(tg.api_url, GOODWORK_SECRET=""), cwd=tmp_path, stdin="quit\n"
        )
        assert played.code == 0, played.err
        done = await goodwork("run", env=environment(tg.api_url, tg.token), cwd=tmp_path)
    line = one_line(done, EX_CONFIG)
    assert line.startswith("goodwork: goodwork.sqlite3 was made by 'goodwork play' with its local key")
    assert "goodwork.sqlite3.play-key" in line and "GOODWORK_DB" in line and "delete both files" in line


@pytest.mark.parametrize("key_made_it", [True, False], ids=["play-key", "other-key"])
def test_play_key_is_named_only_when_it_made_the_database(tmp_path: Path, key_made_it: bool) -> None:
    """The play explanation appears only when the key file beside the database really opens it."""
    database, key = tmp_path / "goodwork.sqlite3", "play-key-" + "p" * 32
    environ = {"GOODWORK_DB": str(database), "GOODWORK_SECRET": SECRET}
    asyncio.run(made_with(Settings.from_env(environ), Keys(key if key_made_it else "other-" + "o" * 32)))
    key_file(str(database)).write_text(key + "\n")
    explained = explain_mismatch(SecretMismatchError("GOODWORK_SECRET is not the secret"), environ)
    assert explained.startswith(f"{database} was made by 'goodwork play'") == key_made_it
    assert explained.startswith("GOODWORK_SECRET is not the secret") != key_made_it


async def made_with(settings: Settings, keys: Keys) -> None:
    store = await open_store(settings, keys)
    await store.close()


async def test_closed_stdout_ends_quietly(tmp_path: Path) -> None:
    """`goodwork dialogues list | head -1`: a reader that went away ends the command without a word on stderr."""
    env = environment("http://127.0.0.1:1/bot", GOODWORK_DB=str(tmp_path / "bot.sqlite3"))
    synced = await goodwork("dialogues", "sync", env=env, cwd=tmp_path)
    assert synced.code == 0, synced.err
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "dialogues", "list", stdout=write_end, stderr=asyncio.subprocess.PIPE, env=env
        )
    finally:
        os.close(write_end)
    _, err = await asyncio.wait_for(child.communicate(), 60)
    assert (child.returncode, err.decode()) == (141, "")


AS_ROOT = pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere; see test_database_under_a_file")


async def db_upgrade(tmp_path: Path, database: Path) -> str:
    """The one line `goodwork db upgrade` prints for ``database``, after checking it failed with exit 2."""
    env = environment("http://127.0.0.1:1/bot", GOODWORK_DB=str(database))
    return one_line(await goodwork("db", "upgrade", env=env, cwd=tmp_path), 2)


async def test_missing_database_folder(tmp_path: Path) -> None:
    """A GOODWORK_DB in a folder that does not exist: one line naming the folder and what to do."""
    line = await db_upgrade(tmp_path, tmp_path / "nowhere" / "bot.sqlite3")
    assert f"folder {str(tmp_path / 'nowhere')!r} does not exist; create it, or point GOODWORK_DB at" in line


async def test_database_under_a_file(tmp_path: Path) -> None:
    """A GOODWORK_DB under a regular file (as root may find it): one line saying it is not a folder."""
    (tmp_path / "notes").write_text("a file")
    line = await db_upgrade(tmp_path, tmp_path / "notes" / "bot.sqlite3")
    assert f"{str(tmp_path / 'notes')!r} is not a folder; point GOODWORK_DB at" in line


@AS_ROOT
@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
async def test_read_only_database_folder(tmp_path: Path, existing: bool) -> None:
    """A folder this user cannot write (the database in it new or not): one line naming it, no traceback."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if existing:
        env = environment("http://127.0.0.1:1/bot", GOODWORK_DB=str(folder / "bot.sqlite3"))
        assert (await goodwork("db", "upgrade", env=env, cwd=tmp_path)).code == 0
    folder.chmod(0o500)
    try:
        line = await db_upgrade(tmp_path, folder / "bot.sqlite3")
    finally:
        folder.chmod(0o700)
    assert f"folder {str(folder)!r} is not writable by this user" in line and "GOODWORK_DB" in line


@AS_ROOT
async def test_read_only_database_file(tmp_path: Path) -> None:
    """A database file this user cannot write: one line saying so and how to fix it."""
    database = tmp_path / "bot.sqlite3"
    env = environment("http://127.0.0.1:1/bot", GOODWORK_DB=str(database))
    assert (await goodwork("db", "upgrade", env=env, cwd=tmp_path)).code == 0
    database.chmod(0o400)
    line = await db_upgrade(tmp_path, database)
    assert f"cannot open database {str(database)!r}: the file is not readable and writable by this user" in line


async def test_sqlite_refusals_become_store_errors(tmp_path: Path) -> None:
    """SQLite's "unable to open database file" from either connection is a StoreFileError naming the folder."""
    database = tmp_path / "gone" / "bot.sqlite3"
    expected = f"folder {str(database.parent)!r} does not exist"
    with pytest.raises(StoreFileError, match=expected):
        connect_sync(database)
    with pytest.raises(StoreFileError, match=expected):
        await connect_reader(database)


def test_service_does_not_restart_on_configuration_errors() -> None:
    """The systemd unit restarts the bot on failure, except on the exit code of a configuration error."""
    unit = (ROOT / "deploy" / "goodwork.service").read_text()
    assert "Restart=on-failure" in unit.splitlines()
    assert f"RestartPreventExitStatus={EX_CONFIG}" in unit.splitlines()
