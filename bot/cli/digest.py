"""``goodwork digest queue [--week YYYY-Www] | preview --lang nl|en``: the weekly digests, from the command line.

The running bot queues each week's digests by itself at ``GOODWORK_DIGEST``; ``queue`` is for operators and
tests: it queues the week's digests for everyone due, due at once, and a running bot sends them within a minute
while ``GOODWORK_HOURS`` is open.
"""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.cli.run import working_hours
from bot.cli.storage import using_store
from bot.config import Settings, Weekly
from bot.dialogue.model import DialogueId
from bot.schedule.digest_messages import DigestContent, digest_text
from bot.schedule.digests import DigestPlanner, week_moment
from bot.store import Keys, Store
from bot.telegram.texts import MARK_DONE, MARK_NEW, MARK_STARTED, text


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    digest = verbs.add_parser("digest", help="queue or preview the weekly digests")
    actions = digest.add_subparsers(dest="action", required=True, metavar="ACTION")
    queue = actions.add_parser("queue", help="queue this (or the given) week's digests for everyone due, at once")
    queue.add_argument("--week", type=_week, metavar="YYYY-Www", help="an ISO week, e.g. 2026-W50 (default: this one)")
    queue.set_defaults(run=queue_digests)
    preview = actions.add_parser("preview", help="print what a digest looks like, with example figures")
    preview.add_argument("--lang", choices=("nl", "en"), default="nl")
    preview.set_defaults(run=preview_digest)


def _week(raw: str) -> str:
    if not re.fullmatch(r"\d{4}-W\d{2}", raw):
        raise argparse.ArgumentTypeError(f"expected an ISO week like 2026-W50, got {raw!r}")
    try:
        week_moment(raw, Weekly(), ZoneInfo("UTC"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a week of that year") from None
    return raw


def queue_digests(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    keys, hours = Keys(settings.require_secret()), working_hours(settings)

    async def queue(store: Store) -> tuple[int, int]:
        planner = DigestPlanner(store, keys, hours, settings.digest, settings.trainers, lambda: datetime.now(UTC))
        return await planner.queue(args.week, at_once=True)

    people, trainers = using_store(settings, queue)
    week = args.week or datetime.now(settings.tz).strftime("%G-W%V")
    print(f"queued {people + trainers} digests for {week} ({trainers} of them for trainers)", file=out)
    return 0


def preview_digest(args: argparse.Namespace, out: TextIO | None = None) -> int:
    language = args.lang
    sessions = ("introduction", "excellence", "ethics", "engagement")
    marks = (MARK_DONE, MARK_DONE, MARK_STARTED, MARK_NEW)
    example = DigestContent(
        dilemma=(DialogueId("weekly-example"), text("digest_example_dilemma", language)),
        progress=tuple((mark, text(f"session_{name}", language)) for mark, name in zip(marks, sessions, strict=True)),
        next_session=(DialogueId("ethics"), text("session_ethics", language)),
        pulse=(text("digest_example_pulse", language), ((text("digest_example_option", language), 45),)),
    )
    print(digest_text(example, language), file=out)
    return 0
