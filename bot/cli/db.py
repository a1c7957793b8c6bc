"""``goodwork db upgrade | status | backup PATH | restore BACKUP | prune``: the database, from the command line."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.cli.storage import using_store
from bot.config import Settings
from bot.store import Keys, Store
from bot.store.protocol import Migration, SchemaStatus
from bot.store.restore import restore


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = verbs.add_parser("db", help="upgrade, inspect, back up or prune the database")
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="apply pending schema migrations").set_defaults(run=upgrade)
    actions.add_parser("status", help="show the schema version and pending migrations").set_defaults(run=status)
    backup_verb = actions.add_parser("backup", help="copy the database safely, even while the bot runs")
    backup_verb.add_argument("target", type=Path, metavar="PATH", help="a new file to write the copy to")
    backup_verb.set_defaults(run=backup)
    restore_verb = actions.add_parser(
        "restore", help="put a backup in place of the database, erasing again whoever was erased since it was taken"
    )
    restore_verb.add_argument("backup", type=Path, metavar="BACKUP", help="a file made by 'goodwork db backup'")
    restore_verb.set_defaults(run=restore_backup)
    prune_verb = actions.add_parser("prune", help="delete what is past GOODWORK_RETENTION_DAYS (the bot does it daily)")
    prune_verb.set_defaults(run=prune)


def upgrade(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()

    async def upgraded(store: Store) -> tuple[SchemaStatus, tuple[Migration, ...]]:
        return await store.status(), store.upgraded

    after, applied = using_store(settings, upgraded)
    _say(out, f"{after.path}: applied {len(applied)} migration(s), schema at version {after.current}")
    for migration in applied:
        if migration.note:
            _say(out, f"note (migration {migration.number}): {migration.note}")
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


def restore_backup(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    keys = Keys(settings.require_secret())
    target = Path(settings.db)
    if not target.exists():
        _say(out, f"no database at {target}: erasures made after the backup was taken cannot be applied again")
    done = asyncio.run(restore(args.backup, target, keys, clock=lambda: datetime.now(UTC), tz=settings.tz))
    _say(out, f"restored {args.backup} as {target}")
    _say(out, f"erasures made since the backup, applied again: {done.erasures} ({done.people} person(s) in it)")
    if done.replaced is not None:
        _say(out, f"the database it replaced is kept as {done.replaced}: delete it once you are satisfied")
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
