"""deploy/README.md's systemd path, followed in a temporary root; systemd's own check of the units.

Here, beside the fake Telegram, because the bot the guide installs is started against it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from fakeapi import FakeTelegram
from talk import until

from bot.config import read_env_file

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"


def unit(path: Path) -> dict[str, str]:
    """A unit file's settings (the last value of each key)."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip()
    return found


def install_block() -> list[str]:
    """The commands of the guide's install block (marked for this test), one per line."""
    guide = (DEPLOY / "README.md").read_text()
    marked = guide.index("<!-- test: install")
    block = re.search(r"```sh\n(.*?)```", guide[marked:], re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def rooted(text: str, root: Path) -> str:
    """``text`` with the server's paths moved under ``root``."""
    for path in ("/opt/goodwork", "/var/lib/goodwork", "/etc/goodwork.env", "/etc/systemd/system/", "/usr/local/sbin/"):
        text = text.replace(path, f"{root}{path}")
    return text


def in_root(command: str, root: Path) -> str | None:
    """A guide command as it runs in a temporary root: None for what only a real server does (packages,
    the system user, systemd); ownership left to the user running the test."""
    if command.startswith(("apt-get ", "useradd ", "chown ", "systemctl ")):
        return None
    return rooted(command.replace(" -o goodwork -g goodwork", ""), root)


@pytest.mark.slow
async def test_the_guides_systemd_path_installs_a_bot_that_runs(tg: FakeTelegram, tmp_path: Path) -> None:
    """The guide's install commands, in a temporary root, give a bot that the unit's ExecStart starts with the
    unit's environment file: it answers a person, goodwork-admin health says healthy, the backup unit makes a
    backup, and SIGTERM stops it cleanly."""
    root = tmp_path / "root"
    for folder in ("opt", "var/lib", "etc/systemd/system", "usr/local/sbin"):
        (root / folder).mkdir(parents=True)
    for command in filter(None, (in_root(line, root) for line in install_block())):
        done = subprocess.run(
            ["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"

    env_file = root / "etc/goodwork.env"
    assert env_file.stat().st_mode & 0o777 == 0o600
    settings = rooted(env_file.read_text(), root)
    settings = re.sub(r"(?m)^GOODWORK_TOKEN=.*$", f"GOODWORK_TOKEN={tg.token}", settings)
    settings = re.sub(r"(?m)^GOODWORK_SECRET=.*$", f"GOODWORK_SECRET={'guide-' * 8}", settings)
    env_file.write_text(settings + f"GOODWORK_API_URL={tg.api_url}\nGOODWORK_PACING_MS=0\n")  # "edit the file"

    admin = root / "usr/local/sbin/goodwork-admin"
    admin.write_text(rooted(admin.read_text(), root).replace("runuser -u goodwork -- ", ""))
    assert await run(str(admin), "db", "upgrade") == 0

    service = {key: rooted(value, root) for key, value in unit(root / "etc/systemd/system/goodwork.service").items()}
    environment = {**os.environ, **read_env_file(Path(service["EnvironmentFile"]))}
    bot = await asyncio.create_subprocess_exec(
        *shlex.split(service["ExecStart"]),
        cwd=service["WorkingDirectory"],
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await until(lambda: tg.polled or bot.returncode is not None, timeout=60)
        assert bot.returncode is None, "the unit's ExecStart ended at once"
        anna = tg.person(language_code="en")
        anna.send("/start")
        assert (await anna.replies(timeout=20))[0].buttons == ["English", "Nederlands"]
        for _ in range(100):  # the outbox's first tick comes a moment after the first poll
            if await run(str(admin), "health") == 0:
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError("goodwork-admin health never said healthy")

        backup = unit(root / "etc/systemd/system/goodwork-backup.service")
        command = rooted(backup["ExecStart"], root).replace("%%", "%")
        made = await asyncio.create_subprocess_exec(
            *shlex.split(command), cwd=rooted(backup["WorkingDirectory"], root), env=environment
        )
        assert await made.wait() == 0
        assert len(list((root / "var/lib/goodwork/backups").glob("goodwork-*.sqlite3"))) == 1
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(bot.wait(), float(unit(DEPLOY / "goodwork.service")["TimeoutStopSec"]))
    assert code == 0


async def run(program: str, *args: str) -> int:
    done = await asyncio.create_subprocess_exec(
        program, *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    return await asyncio.wait_for(done.wait(), 60)


def test_the_units_pass_systemd_analyze(tmp_path: Path) -> None:
    """systemd's own check of the three units (their programs stand in a temporary root)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    program = tmp_path / "opt/goodwork/venv/bin/goodwork"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    names = ("goodwork.service", "goodwork-backup.service", "goodwork-backup.timer")
    for name in names:
        (tmp_path / name).write_text(rooted((DEPLOY / name).read_text(), tmp_path))
    checked = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in names)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
