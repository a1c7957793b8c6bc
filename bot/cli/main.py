"""``goodwork``: one entry point, one verb per subcommand. The only place that catches broadly."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.cli import (
    course,
    db,
    dialogues,
    digest,
    forget,
    graph,
    health,
    insights,
    logs,
    outbox,
    play,
    report,
    run,
    trainer,
    validate,
)
from bot.cli.playkey import explain_mismatch
from bot.cli.run import TelegramUnreachableError
from bot.config import ConfigError, read_env_file
from bot.store import StoreError
from bot.store.errors import SecretMismatchError
from bot.telegram.errors import PollingError, WebhookError

logger = logging.getLogger("bot")
QUIET_LOGGERS = ("telegram", "httpx", "httpcore", "aiosqlite", "asyncio")
EX_FAILED = 2  # an expected failure, named in one line (under systemd: restarted)
EX_CONFIG = 78  # sysexits' EX_CONFIG: the configuration is wrong (under systemd: not restarted)
EX_PIPE = 141  # 128 + SIGPIPE, as a shell reports a program whose reader went away


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="goodwork", description="Good Work Coach: dialogues for civil servants.")
    parser.add_argument("--version", action="version", version=f"goodwork {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail (never personal data)")
    parser.add_argument(
        "--env-file",
        type=Path,
        metavar="PATH",
        help="read GOODWORK_* settings from this file first, as systemd's EnvironmentFile does (its values win)",
    )
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
    dialogue_actions = dialogues.add_parser(verbs)
    graph.add_parser(dialogue_actions)
    insights.add_parser(dialogue_actions)
    trainer.add_parser(verbs)
    forget.add_parser(verbs)
    digest.add_parser(verbs)
    report.add_parser(verbs)
    health.add_parser(verbs)
    run.add_parser(verbs)
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
    """Run one verb. An expected failure is one line on stderr, without a traceback, also with ``-v``."""
    args = build_parser().parse_args(argv)
    if args.env_file is not None:  # before logging starts: it hides the token and secret it finds in the environment
        try:
            os.environ.update(read_env_file(args.env_file))
        except ConfigError as exc:
            return _fail(str(exc), EX_CONFIG)
    configure_logging(args.verbose)
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # a reader that went away shows here, not at exit
        return code
    except BrokenPipeError:
        return _reader_gone()
    except SecretMismatchError as exc:
        return _fail(explain_mismatch(exc), EX_CONFIG)
    except ConfigError as exc:
        return _fail(str(exc), EX_CONFIG)
    except (StoreError, PollingError, WebhookError, TelegramUnreachableError) as exc:
        return _fail(str(exc), EX_FAILED)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except Exception as exc:
        if _lost_database(exc):  # expected: a server that went away, or refused what was asked mid-way
            return _fail(
                f"the database failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", EX_FAILED
            )
        logger.exception("goodwork %s failed unexpectedly", args.verb)
        return EX_FAILED


def _lost_database(exc: Exception) -> bool:
    """A PostgreSQL server lost or refusing mid-way (asyncpg's errors, or the connection's)."""
    return type(exc).__module__.startswith("asyncpg") or isinstance(exc, ConnectionError | TimeoutError)


def _fail(message: str, code: int) -> int:
    print(f"goodwork: {logs.redact(message)}", file=sys.stderr)
    return code


def _reader_gone() -> int:
    """stdout's reader closed early (``goodwork ... | head``): stop quietly, and let the exit flush go nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):  # stdout may be no file at all (tests)
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EX_PIPE
