"""``goodwork outbox status``: scheduled messages waiting, sent, failed, or sent with an unknown outcome."""

from __future__ import annotations

import argparse
from typing import TextIO

from bot.cli.storage import using_store
from bot.config import Settings

STATUSES = ("pending", "sending", "sent", "failed", "cancelled", "stopped", "skipped")


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    outbox = verbs.add_parser("outbox", help="the queue of follow-ups the bot sends itself")
    actions = outbox.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("status", help="counts per status, failures and sends of unknown outcome").set_defaults(
        run=status
    )


def status(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    counts = using_store(settings, lambda store: store.outbox_status())
    for name in STATUSES:
        print(f"{name:<10} {counts.get(name, 0):>8,}", file=out)
    print(f"{'unknown':<10} {counts.get('unknown', 0):>8,}  sent again after a crash or a lost answer", file=out)
    if counts.get("failed"):
        print("failed rows were given up after repeated errors; see the bot's log for the reasons", file=out)
    return 0
