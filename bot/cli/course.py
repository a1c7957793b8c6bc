"""``goodwork course open | list | close``: course tranches from the command line."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from bot.cli.storage import using_store
from bot.config import ConfigError, Settings
from bot.dialogue.course import Course, CourseId
from bot.dialogue.files import check_paths
from bot.dialogue.problems import did_you_mean
from bot.report.census import tranche_figures
from bot.report.public import TrancheLine, legend
from bot.store import Keys, Store
from bot.store.catalogue import Catalogue
from bot.store.protocol import Tranche
from bot.telegram.joinlink import join_link, qr_png


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    course = verbs.add_parser("course", help="open, list or close course tranches")
    actions = course.add_subparsers(dest="action", required=True, metavar="ACTION")
    opening = actions.add_parser("open", help="open a tranche and print its join link and QR code")
    opening.add_argument("course", metavar="COURSE", help="a course id from dialogues/courses/")
    opening.add_argument("--tranche", required=True, metavar="NAME", help="a name for the group, e.g. 'Utrecht March'")
    opening.add_argument("--date", required=True, type=day, metavar="YYYY-MM-DD", help="the day the course is given")
    opening.add_argument(
        "--qr", type=_qr_file, metavar="FILE.png", help="where to write the QR code (default: COURSE-TRANCHE.png here)"
    )
    opening.add_argument(
        "--trainer",
        type=telegram_id,
        metavar="TELEGRAM_ID",
        help="the trainer who gets its weekly summary (default: all)",
    )
    opening.set_defaults(run=open_tranche)
    listing = actions.add_parser("list", help="tranches with their enrolment counts")
    listing.add_argument("course", nargs="?", metavar="COURSE")
    listing.set_defaults(run=list_tranches)
    closing = actions.add_parser("close", help="close a tranche's join link")
    closing.add_argument("code", metavar="CODE", help="the code at the end of the join link (after c_)")
    closing.set_defaults(run=close_tranche)


def telegram_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 1 << 52:
        raise argparse.ArgumentTypeError(f"expected a Telegram user id (a whole number), got {raw!r}")
    return int(raw)


def _qr_file(raw: str) -> Path:
    folder = Path(raw).absolute().parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {str(folder)!r} does not exist")
    return Path(raw)


def day(raw: str) -> date:
    """A date argument (YYYY-MM-DD), or a one-line usage error."""
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-03-14, got {raw!r}") from None


def open_tranche(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    username = _bot_username(settings)
    course = find_course(settings.dialogues, args.course)
    target = (args.qr or Path(f"{course.id}-{_slug(args.tranche)}.png")).absolute()
    opening = args.tranche, args.date
    follower = Keys(settings.require_secret()).telegram(args.trainer).contact if args.trainer else None
    tranche = using_store(
        settings, lambda store: store.open_tranche(course.id, *opening, "goodwork course open", trainer=follower)
    )
    link = join_link(username, tranche.code)
    print(f"{course.title.get('en')}: tranche {tranche.name!r} on {tranche.day.isoformat()}", file=out)
    print(f"join link: {link}", file=out)
    try:
        target.write_bytes(qr_png(link))
    except OSError as exc:
        print(
            f"goodwork: the tranche is open, but its QR code could not be written to {target}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    print(f"QR code:   {target}", file=out)
    return 0


def list_tranches(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    keys = Keys(settings.require_secret())
    today = datetime.now(settings.tz).date()

    async def listing(store: Store) -> tuple[list[Tranche], dict[str, TrancheLine]]:
        figures = await tranche_figures(store, keys, Catalogue(store), today=today, language="en", k=settings.min_group)
        return await store.tranches(args.course), figures

    tranches, figures = using_store(settings, listing)
    if not tranches:
        print("no tranches yet: goodwork course open COURSE --tranche NAME --date YYYY-MM-DD", file=out)
        return 0
    print(f"{'course':<22} {'tranche':<24} {'date':<10}  {'enrolled':>8}  status  code", file=out)
    for t in tranches:
        status = "closed" if t.closed else "open"
        print(f"{t.course:<22} {t.name:<24} {t.day.isoformat():<10}  {t.enrolled:>8}  {status:<6}  {t.code}", file=out)
        if t.code in figures and figures[t.code].figures:
            print(f"  {figures[t.code].figures}", file=out)
    if any(figures[t.code].hidden for t in tranches if t.code in figures):
        print(legend("en", settings.min_group), file=out)
    return 0


def close_tranche(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    closed = using_store(settings, lambda store: store.close_tranche(args.code.removeprefix("c_")))
    print(
        "closed: the link no longer enrols anyone" if closed else f"no open tranche with code {args.code!r}", file=out
    )
    return 0 if closed else 1


def find_course(folder: Path, name: str) -> Course:
    """The course ``name`` from ``folder``/courses, or ConfigError naming what exists."""
    report = check_paths([folder])
    course = report.courses.get(CourseId(name))
    if course is None:
        known = ", ".join(sorted(report.courses)) or "none"
        raise ConfigError(
            f"no course {name!r} in {str(folder)!r}{did_you_mean(name, report.courses)}; courses: {known}"
        )
    return course


def _bot_username(settings: Settings) -> str:
    if not settings.bot_username:
        raise ConfigError("GOODWORK_BOT_USERNAME is not set: the join link needs the bot's username (without @)")
    return settings.bot_username


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "tranche"
