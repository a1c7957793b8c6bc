"""``goodwork db upgrade | status | backup PATH | restore BACKUP | prune | copy --from DB --to DB``: the database,
from the command line. ``GOODWORK_DB`` (and each DB of ``copy``) is a SQLite file path or a ``postgresql://`` URL."""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.cli.storage import using_store
from bot.config import ConfigError, Settings
from bot.store import Keys, Store, is_postgres, open_database, sqlite_files
from bot.store.copy import copy_store
from bot.store.postgres_names import shown
from bot.store.protocol import Migration, SchemaStatus
from bot.store.restore import Restored, restore, restore_into


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
    copy_verb = actions.add_parser(
        "copy", help="copy every row into a new, empty database: from SQLite to PostgreSQL, or back"
    )
    copy_verb.add_argument(
        "--from", dest="source", required=True, metavar="DB", help="a SQLite file or postgresql:// URL"
    )
    copy_verb.add_argument(
        "--to", dest="target", required=True, metavar="DB", help="an empty (or new) one of either kind"
    )
    copy_verb.set_defaults(run=copy)


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
    if not is_postgres(settings.db) and not Path(settings.db).exists():
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
    if is_postgres(settings.db):
        return _restore_postgres(args, settings, keys, out)
    target = Path(settings.db)
    if not target.exists():
        _say(out, f"no database at {target}: erasures made after the backup was taken cannot be applied again")
    done = asyncio.run(restore(args.backup, target, keys, clock=lambda: datetime.now(UTC), tz=settings.tz))
    _say(out, f"restored {args.backup} as {target}")
    _say(out, f"erasures made since the backup, applied again: {done.erasures} ({done.people} person(s) in it)")
    if done.replaced is not None:
        _say(out, f"the database it replaced is kept as {done.replaced}: delete it once you are satisfied")
    return 0


def _restore_postgres(args: argparse.Namespace, settings: Settings, keys: Keys, out: TextIO | None) -> int:
    """The backup's rows in place of the PostgreSQL database's, the replaced ones kept in a file beside it."""

    from bot.store.postgres import PostgresStore  # asyncpg is loaded only for PostgreSQL

    async def run() -> Restored:
        name = f"db-restore-{os.getpid()}"  # not any instance's name: those are the ones that must be stopped
        async with await PostgresStore.open(settings.db, keys=keys, tz=settings.tz, instance=name) as store:
            return await restore_into(store, args.backup, keys, now=datetime.now(settings.tz))

    done = asyncio.run(run())
    _say(out, f"restored {args.backup} into {shown(settings.db)}")
    _say(out, f"erasures made since the backup, applied again: {done.erasures} ({done.people} person(s) in it)")
    _say(out, f"the rows it replaced are kept in {done.replaced}: delete it once you are satisfied")
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


def copy(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    keys = Keys(settings.require_secret())
    if not is_postgres(args.source) and not Path(args.source).is_file():
        raise ConfigError(f"--from: no database at {args.source}")
    new_file = not is_postgres(args.target) and not Path(args.target).exists()
    try:
        counts = asyncio.run(_copy(args.source, args.target, keys, settings))
    except BaseException:
        if new_file:  # made by this copy: not left half filled
            sqlite_files.remove(Path(args.target))
        raise
    rows = ", ".join(f"{table} {count}" for table, count in counts.items() if count) or "none"
    _say(out, f"copied {sum(counts.values()):,} rows from {shown(args.source)} to {shown(args.target)} ({rows})")
    _say(out, "every table's count matches; point GOODWORK_DB at the copy and start the bot")
    return 0


async def _copy(source: str, target: str, keys: Keys, settings: Settings) -> dict[str, int]:
    opened = await open_database(source, keys, tz=settings.tz, migrate=False, name="--from")
    try:
        copy_to = await open_database(target, keys, tz=settings.tz, name="--to")
        try:
            return await copy_store(opened, copy_to)
        finally:
            await copy_to.close()
    finally:
        await opened.close()


def describe(status: SchemaStatus) -> str:
    lines = [f"database: {status.path}", f"schema version: {status.current} (this goodwork knows {status.latest})"]
    lines += [f"  applied {number}: {name} ({at})" for number, name, at in status.applied]
    lines += [f"  pending {m.number}: {m.name}" for m in status.pending]
    if status.pending:
        lines.append("run 'goodwork db upgrade' (the bot also upgrades at start-up)")
    return "\n".join(lines)


def _say(out: TextIO | None, text: str) -> None:
    print(text, file=out)
