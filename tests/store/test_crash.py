"""Killing the process mid-write loses no committed step and never corrupts the database.

A child process (``crash_child.py``) steps dialogues and reports each step
after its commit returned; the test SIGKILLs it at a random moment, again and
again on the same file, and checks after each kill that the file is intact and
holds everything the child reported. Set ``CRASH_SEED`` to replay a failure.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from crash_child import SECRET

from bot.store.keys import Keys, Pseudonym
from bot.store.sqlite import SqliteStore

ROOT = Path(__file__).parents[2]
CHILD = Path(__file__).with_name("crash_child.py")
KILLS = 20
FIRST_COMMITS = 3  # wait for this many before the random delay
MAX_DELAY = 0.15  # seconds after the first commits
WAIT_LIMIT = 10.0  # seconds for the child to start committing at all


@dataclass
class Report:
    """What one child said it committed, read until it died."""

    lines: list[str] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)

    def read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.endswith("\n"):  # a line cut short by the kill was not fully reported
                self.lines.append(line)
            if len(self.lines) >= FIRST_COMMITS:
                self.started.set()
        self.started.set()  # end of output: stop waiting either way


@pytest.mark.slow
def test_killed_writer_loses_no_committed_step(tmp_path: Path) -> None:
    """After each of many SIGKILLs the database passes integrity_check and holds every reported commit."""
    seed = int(os.environ.get("CRASH_SEED", random.randrange(2**32)))
    print(f"CRASH_SEED={seed}")
    rng = random.Random(seed)
    path = tmp_path / "crash.sqlite"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    reported: dict[tuple[str, str], str] = {}  # (person, node) -> the last reflection marker, or "skip"
    update_ids: set[int] = set()
    wal_sizes: list[int] = []  # of the file each kill left behind
    for kill in range(KILLS):
        child_seed = rng.randrange(1, 10**6) * 100 + kill  # distinct per run, so update ids never collide
        lines = _run_and_kill(path, child_seed, rng.uniform(0.003, MAX_DELAY), env, f"seed {seed}, kill {kill}")
        for line in lines:
            _, update_id, person, node, marker = line.split()
            update_ids.add(int(update_id))
            if node != "-":
                reported[person, node] = marker
        _check_file(path, update_ids, reported, f"seed {seed}, kill {kill}")
        wal = path.with_name(path.name + "-wal")
        wal_sizes.append(wal.stat().st_size if wal.exists() else 0)
    asyncio.run(_reopen(path, reported))
    print(f"{KILLS} kills: {len(update_ids)} reported steps and {len(reported)} reflections all kept")
    print(f"WAL left by each kill (bytes): {wal_sizes}")


def _run_and_kill(path: Path, child_seed: int, delay: float, env: dict[str, str], context: str) -> list[str]:
    """Start a child, let it commit a few steps and then for ``delay`` seconds, SIGKILL it; its report lines."""
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(path), str(child_seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    report, errors = Report(), ""
    reader = threading.Thread(target=report.read, args=(process,), daemon=True)
    reader.start()
    try:
        if report.started.wait(WAIT_LIMIT):
            time.sleep(delay)
    finally:
        process.kill()  # SIGKILL; also when the wait above was interrupted
        process.wait(timeout=10)
        reader.join(timeout=10)
        if process.stderr is not None:
            errors = process.stderr.read()
            process.stderr.close()
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == -signal.SIGKILL, f"{context}: the child exited by itself:\n{errors}"
    assert len(report.lines) >= FIRST_COMMITS, f"{context}: the child reported only {report.lines} in {WAIT_LIMIT} s"
    return report.lines


def _check_file(path: Path, update_ids: set[int], reported: dict[tuple[str, str], str], context: str) -> None:
    # Read-only, so closing does not checkpoint: the next child starts on the WAL the killed one left.
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)], context
        assert db.execute("PRAGMA foreign_key_check").fetchall() == [], context
        stored_ids = {update_id for (update_id,) in db.execute("SELECT update_id FROM updates")}
        missing = sorted(update_ids - stored_ids)
        assert not missing, f"{context}: {len(missing)} reported updates are missing, e.g. {missing[:5]}"
        texts = {
            (person, node): text for person, node, text in db.execute("SELECT person, node, text FROM reflections")
        }
    for (person, node), marker in reported.items():  # the child never writes one (person, node) twice
        text = texts.get((person, node))
        if marker == "skip":
            assert text is None, f"{context}: a skipped reflection at {node} holds {text!r}"
        else:
            assert text is not None and text.split()[0] == marker, f"{context}: {marker} at {node} is {text!r}"


async def _reopen(path: Path, reported: dict[tuple[str, str], str]) -> None:
    """The store still opens on the killed file, needs no migration and reads the people back."""
    async with await SqliteStore.open(path, keys=Keys(SECRET)) as store:
        status = await store.status()
        assert status.pending == () and status.current == status.latest
        for person, _ in list(reported)[:20]:
            assert await store.conversations(Pseudonym(person))
