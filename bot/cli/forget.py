"""``goodwork forget --telegram-id N``: erase one person on a written request, as /forget does in chat."""

from __future__ import annotations

import argparse
from typing import TextIO

from bot.cli.course import telegram_id
from bot.cli.storage import using_store
from bot.config import Settings
from bot.store import Keys


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    forget = verbs.add_parser("forget", help="erase everything kept about one person (a written request)")
    forget.add_argument("--telegram-id", type=telegram_id, required=True, metavar="N", help="their Telegram user id")
    forget.set_defaults(run=forget_person)


def forget_person(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    who = Keys(settings.require_secret()).telegram(args.telegram_id)
    erased = using_store(settings, lambda store: store.erase(who)) or 0
    found = f"erased {erased} row(s)" if erased else "nothing was kept for that Telegram id"
    print(f"{found}; the erasure is recorded, so 'goodwork db restore' erases them again from older backups", file=out)
    return 0
