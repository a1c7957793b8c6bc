"""``goodwork``: one entry point, one verb per subcommand. The only place that catches broadly."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.cli import course, db, dialogues, graph, logs, outbox, play, run, trainer, validate
from bot.config import ConfigError
from bot.store import StoreError
from bot.telegram.poller import PollingError

logger = logging.getLogger("bot")
QUIET_LOGGERS = ("telegram", "httpx", "httpcore", "aiosqlite")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="goodwork", description="Good Work Coach: dialogues for civil servants.")
    parser.add_argument("--version", action="version", version=f"goodwork {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail (never personal data)")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    check = verbs.add_parser("validate", help="check dialogue files and folders")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    check.add_argument("--walk", type=_count, default=0, metavar="N", help="also play every dialogue N times")
    check.add_argument("--seed", type=int, default=0, help="seed for --walk (default 0)")
    check.set_defaults(run=validate.run)

    game = verbs.add_parser("play", help="play a dialogue in the terminal")
    game.add_argument("dialogue", metavar="DIALOGUE_ID", help="a dialogue id, or the path of a .yaml file")
    game.add_argument("--lang", choices=("nl", "en"), help="language (default: the dialogue's first)")
    game.add_argument("--dialogues", type=Path, help="folder of dialogues (default: $GOODWORK_DIALOGUES or dialogues/)")
    game.add_argument("--resume", action="store_true", help="continue where the last game of this dialogue stopped")
    game.set_defaults(run=play.run)
    db.add_parser(verbs)
    course.add_parser(verbs)
    outbox.add_parser(verbs)
    graph.add_parser(dialogues.add_parser(verbs))
    trainer.add_parser(verbs)
    serve = verbs.add_parser("run", help="run the bot on Telegram (needs GOODWORK_TOKEN and GOODWORK_SECRET)")
    serve.set_defaults(run=run.run)
    return parser


def _count(raw: str) -> int:
    if not raw.isdigit() or not 0 <= int(raw) <= 100_000:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 100000, got {raw!r}")
    return int(raw)


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logs.redact_handlers(logging.getLogger().handlers)  # every logger's records pass the root's handlers
    for name in QUIET_LOGGERS:  # at DEBUG these print tokens, updates and SQL parameters
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)
    try:
        return int(args.run(args))
    except (ConfigError, StoreError, PollingError) as exc:
        print(f"goodwork: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except Exception:
        logger.exception("goodwork %s failed unexpectedly", args.verb)
        return 2
