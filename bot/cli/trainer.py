"""``goodwork trainer invite | list | revoke``: who may push dialogues and open course tranches in chat."""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.cli.storage import using_store
from bot.config import ConfigError, Settings
from bot.store import Keys

INVITE_PREFIX = "t_"


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    trainer = verbs.add_parser("trainer", help="invite, list or revoke trainers")
    actions = trainer.add_subparsers(dest="action", required=True, metavar="ACTION")
    invite = actions.add_parser("invite", help="print a one-time link that makes whoever opens it a trainer")
    invite.add_argument("--days", type=_days, default=7, metavar="N", help="the link expires after N days (1-30)")
    invite.set_defaults(run=invite_trainer)
    actions.add_parser("list", help="how many trainers there are").set_defaults(run=list_trainers)
    revoke = actions.add_parser("revoke", help="end an invited trainer's rights")
    revoke.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID")
    revoke.set_defaults(run=revoke_trainer)


def _days(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 30:
        raise argparse.ArgumentTypeError(f"expected a whole number of days from 1 to 30, got {raw!r}")
    return int(raw)


def invite_trainer(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    if not settings.bot_username:
        raise ConfigError("GOODWORK_BOT_USERNAME is not set: the invitation link needs the bot's username")
    expires = datetime.now(UTC) + timedelta(days=args.days)
    code = using_store(settings, lambda store: store.invite_trainer(expires, f"command line ({getpass.getuser()})"))
    print(f"https://t.me/{settings.bot_username}?start={INVITE_PREFIX}{code}", file=out)
    print(f"works once, until {expires.astimezone(settings.tz):%Y-%m-%d %H:%M}", file=out)
    return 0


def list_trainers(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    invited = using_store(settings, lambda store: store.trainer_count())
    print(f"{len(settings.trainers)} trainer(s) in GOODWORK_TRAINERS, {invited} invited by link", file=out)
    return 0


def revoke_trainer(args: argparse.Namespace, out: TextIO | None = None) -> int:
    settings = Settings.from_env()
    keys = Keys(settings.require_secret())
    revoked = using_store(settings, lambda store: store.revoke_trainer(keys.telegram(args.telegram_id).contact))
    if args.telegram_id in settings.trainers:
        print("that id is in GOODWORK_TRAINERS: remove it there as well", file=out)
    print("revoked" if revoked else "no invited trainer with that Telegram id", file=out)
    return 0 if revoked else 1
