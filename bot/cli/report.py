"""``goodwork report --out DIR [--from DATE] [--to DATE] [--lang nl|en]``: the public accountability report.

Counts people from the store (``bot.report.census``), leaves out what the k rule and complementary suppression
say (``bot.report.public``), and writes ``report.csv`` and a self-contained ``index.html`` into DIR. Each file
is written whole or not at all: a report already there is only replaced by a finished one.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.cli.course import day
from bot.cli.progress import Progress
from bot.cli.storage import using_store
from bot.config import Settings
from bot.report.census import first_day, report_counts
from bot.report.public import Period, ReportCounts, report_files
from bot.store import Keys, Store
from bot.store.catalogue import Catalogue


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = verbs.add_parser("report", help="write the public report (report.csv and index.html) into a folder")
    report.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write into (made if needed)")
    report.add_argument("--from", dest="start", type=day, metavar="DATE", help="first day (default: the first ever)")
    report.add_argument("--to", dest="end", type=day, metavar="DATE", help="last day (default: today)")
    report.add_argument("--lang", choices=("nl", "en"), default="nl", help="language of the report (default: nl)")
    report.set_defaults(run=run)


def run(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    settings = Settings.from_env()
    end = args.end or datetime.now(settings.tz).date()
    if args.start and args.start > end:
        print(f"goodwork: --from {args.start} is after {'--to ' if args.end else 'today, '}{end}", file=err)
        return 2
    if args.out.exists() and not args.out.is_dir():
        print(f"goodwork: {str(args.out)!r} is a file, not a folder", file=err)
        return 2
    keys = Keys(settings.require_secret())
    progress = Progress("counting people", err)

    async def count(store: Store) -> ReportCounts:
        start = args.start or min(await first_day(store, end), end)
        period = Period(start, end)
        return await report_counts(store, keys, Catalogue(store), period=period, language=args.lang, progress=progress)

    try:
        counts = using_store(settings, count)
    finally:
        progress.finish()
    files = report_files(counts, args.lang, settings.min_group)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            _write(args.out / name, content)
    except OSError as exc:
        print(f"goodwork: could not write the report into {str(args.out)!r}: {exc.strerror or exc}", file=err)
        return 1
    period = counts.period
    print(f"report for {period.start.isoformat()} to {period.end.isoformat()} (k = {settings.min_group}):", file=out)
    for name in files:
        print(f"wrote {args.out / name}", file=out)
    return 0


def _write(path: Path, content: bytes) -> None:
    """Write ``content`` to a file beside ``path`` and move it into place, so a reader never sees half of it."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(content)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
