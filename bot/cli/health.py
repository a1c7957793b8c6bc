"""``goodwork health``: is this instance of the bot working? One line, exit 0 (healthy) or 1 (not).

Checked, in order: the database opens with this secret, its schema is the one
this goodwork expects, this instance's polling (or webhook) loop went round
recently, and its outbox loop too (a stuck outbox stops beating: a tick that
hangs, a worker that died). The outbox's backlog is said, not judged: a long
queue of digests at Telegram's 30 a second is normal on a Monday morning.

It is what a container's health check or a monitoring probe runs, with the
bot's own environment (``GOODWORK_INSTANCE`` names the instance; by default
the host name, as the bot uses). It changes nothing: the database is opened
without upgrading, and never created.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.cli import logs
from bot.config import ConfigError, Settings
from bot.store import Keys, Store, StoreError, open_store
from bot.store.protocol import LOOP_STALE, OUTBOX_STALE, RECEIVING, Backlog, Beat

OPEN_TIMEOUT = 15.0  # seconds to open the database and read what is checked
HEALTHY, UNHEALTHY = 0, 1


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    health = verbs.add_parser(
        "health", help="one line on whether this instance works (exit 0) or not (exit 1), for health checks"
    )
    health.set_defaults(run=run)


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.problems:
            return "unhealthy: " + "; ".join(self.problems)
        return "healthy: " + ", ".join(self.facts)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    try:
        settings = Settings.from_env()
        findings = asyncio.run(check(settings, datetime.now(UTC)))
    except ConfigError as exc:
        findings = Findings([str(exc).replace("\n", "; ")])
    print(logs.redact(findings.line()), file=out)
    return UNHEALTHY if findings.problems else HEALTHY


async def check(settings: Settings, now: datetime) -> Findings:
    """What is wrong with this instance (nothing: healthy), and what is true of it."""
    findings = Findings()
    if "://" not in settings.db and not Path(settings.db).exists():
        findings.problems.append(f"no database at {settings.db} (has the bot ever started with this GOODWORK_DB?)")
        return findings
    try:
        async with asyncio.timeout(OPEN_TIMEOUT):
            store = await open_store(settings, Keys(settings.require_secret()), migrate=False)
            try:
                await _read(store, findings, settings.instance, now)
            finally:
                await store.close()
    except StoreError as exc:
        findings.problems.append(f"the database cannot be used: {exc}")
    except TimeoutError:
        findings.problems.append(f"the database did not answer within {OPEN_TIMEOUT:.0f} s")
    return findings


async def _read(store: Store, findings: Findings, instance: str, now: datetime) -> None:
    status = await store.status()
    if status.pending:  # the tables read below may not be there yet
        findings.problems.append(
            f"the database is at schema version {status.current}, this goodwork expects {status.latest}: "
            "restart the bot (it upgrades at start) or run 'goodwork db upgrade'"
        )
        return
    findings.facts.append(f"database at schema {status.current}")
    _loops(findings, instance, await store.beats(), now)
    _outbox(findings, await store.backlog(now), now)


def _loops(findings: Findings, instance: str, beats: list[Beat], now: datetime) -> None:
    mine = {beat.loop: beat.at for beat in beats if beat.instance == instance}
    loops = {loop: at for loop, at in mine.items() if loop in RECEIVING}
    if not loops:
        findings.problems.append(f"no polling or webhook loop has run as instance {instance!r} (GOODWORK_INSTANCE)")
    else:
        loop, at = max(loops.items(), key=lambda item: item[1])
        _recent(findings, f"{loop} loop", now - at, LOOP_STALE)
    if "outbox" not in mine:
        findings.problems.append(f"no outbox loop has run as instance {instance!r}")
    else:
        _recent(findings, "outbox loop", now - mine["outbox"], OUTBOX_STALE)


def _recent(findings: Findings, what: str, age: timedelta, stale: timedelta) -> None:
    if age > stale:
        findings.problems.append(f"the {what} last went round {_ago(age)} ago (more than {_ago(stale)})")
    else:
        findings.facts.append(f"{what} {_ago(age)} ago")


def _outbox(findings: Findings, backlog: Backlog, now: datetime) -> None:
    if backlog.oldest is None:
        findings.facts.append("nothing due in the outbox")
    else:
        findings.facts.append(f"{backlog.due:,} due in the outbox, the oldest for {_ago(now - backlog.oldest)}")


def _ago(age: timedelta) -> str:
    seconds = max(0, int(age.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
