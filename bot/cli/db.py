"""``goodwork db upgrade | status | backup PATH | prune``: the database, from the command line."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.cli.storage import using_store
from bot.config import Settings
from bot.store.protocol import SchemaStatus


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = verbs.add_parser("db", help="upgrade, inspect, back up or prune the database")
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="apply pending schema migrations").set_defaults(run=upgrade)
    actions.add_parser("status", help="show the schema version and pending migrations").set_defaults(run=status)
    backup_verb = actions.add_parser("backup", help="copy the database safely, even while the bot runs")
    backup_verb.add_argument("target", type=Path, metavar="PATH", help="a new file to write the copy to")
    backup_verb.set_defaults(run=backup)
    prune_verb = actions.add_parser("prune", help="delete what is past GOODWORK_RETENTION_DAYS (the bot does it daily)")
    prune_verb.set_defaults(run=prune)


def upgrade(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    before = using_store(settings, lambda store: store.status(), migrate=False)
    after = using_store(settings, lambda store: store.status())
    _say(out, f"{after.path}: applied {len(before.pending)} migration(s), schema at version {after.current}")
    return 0


def status(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    settings.require_secret()
    if not Path(settings.db).exists():
        _say(out, f"no database at {settings.db} yet: 'goodwork db upgrade' (or the bot) creates it")
        return 1
    _say(out, describe(using_store(settings, lambda store: store.status(), migrate=False)))
    return 0


def backup(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    using_store(settings, lambda store: store.backup(args.target), migrate=False)
    _say(out, f"backed up {settings.db} to {args.target} ({args.target.stat().st_size:,} bytes)")
    return 0


def prune(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    today = datetime.now(settings.tz).date()
    pruned = using_store(settings, lambda store: store.prune(today, settings.retention_days))
    _say(
        out,
        f"older than {settings.retention_days} days: {pruned.reflections} reflection(s), {pruned.people} "
        f"inactive person(s), {pruned.participants} contact(s) deleted; {pruned.updates} old update id(s)",
    )
    return 0


def describe(status: SchemaStatus) -> str:
    lines = [f"database: {status.path}", f"schema version: {status.current} (this goodwork knows {status.latest})"]
    lines += [f"  applied {number}: {name} ({at})" for number, name, at in status.applied]
    lines += [f"  pending {m.number}: {m.name}" for m in status.pending]
    if status.pending:
        lines.append("run 'goodwork db upgrade' (the bot also upgrades at start-up)")
    return "\n".join(lines)


def _say(out: TextIO | None, text: str) -> None:
    print(text, file=out)
