"""``goodwork run``: the bot on Telegram, by long polling or a webhook, until SIGINT or SIGTERM.

Before it opens anything it asks Telegram who it is (``getMe``), so that a token
Telegram refuses, or a Bot API it cannot reach, stops it with one line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import urlsplit

import telegram
from telegram.error import InvalidToken, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.config import TELEGRAM_API_URL, ConfigError, Settings, listen_address, webhook_url
from bot.dialogue.files import check_paths
from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.schedule.worker import digest_worker, outbox_worker
from bot.telegram.app import Bot, run_bot

T = TypeVar("T")


class TelegramUnreachableError(Exception):
    """The Bot API did not answer ``getMe`` at start-up (network, DNS, proxy, firewall, or Telegram itself)."""


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = verbs.add_parser("run", help="run the bot on Telegram (needs GOODWORK_TOKEN and GOODWORK_SECRET)")
    serve.add_argument(
        "--webhook", action="store_true", help="receive updates by webhook (also when GOODWORK_WEBHOOK_URL is set)"
    )
    serve.add_argument("--url", help="the https:// address Telegram posts to (default: $GOODWORK_WEBHOOK_URL)")
    serve.add_argument(
        "--listen", metavar="HOST:PORT", help="where the webhook's requests arrive (default: $GOODWORK_LISTEN)"
    )
    serve.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = with_arguments(Settings.from_env(), args)
    settings.require_token()
    settings.require_secret()
    hours = working_hours(settings)
    asyncio.run(check_telegram(settings))
    courses = CourseBook(check_paths([settings.dialogues]).courses, hours)
    workers = [outbox_worker(settings, courses, hours), digest_worker(settings, hours)]
    bot = Bot(settings, courses=courses, workers=workers)
    asyncio.run(run_bot(bot))
    return 0


def with_arguments(settings: Settings, args: argparse.Namespace) -> Settings:
    """The settings with ``--url`` and ``--listen`` in place of their variables; ``--webhook`` needs a URL."""
    url = settings.webhook_url if args.url is None else _argument("--url", webhook_url, args.url)
    listen = settings.listen if args.listen is None else _argument("--listen", listen_address, args.listen)
    if (args.webhook or args.listen is not None) and url is None:
        raise ConfigError("webhook mode needs the address Telegram posts to: --url or GOODWORK_WEBHOOK_URL")
    return replace(settings, webhook_url=url, listen=listen)


def _argument(name: str, parse: Callable[[str], T], raw: str) -> T:
    try:
        return parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def working_hours(settings: Settings) -> WorkingHours:
    """``GOODWORK_HOURS`` in ``GOODWORK_TZ``, or ConfigError naming the variable."""
    try:
        return WorkingHours.parse(settings.hours, tz=settings.tz)
    except ValueError as exc:
        raise ConfigError(f"GOODWORK_HOURS: {exc}") from None


async def check_telegram(settings: Settings) -> None:
    """``getMe`` once: a refused token raises ConfigError, no usable answer TelegramUnreachableError."""
    probe = Probe()
    bot = telegram.Bot(settings.require_token(), base_url=settings.api_url, request=probe)
    try:
        async with bot:  # initialize() calls getMe
            pass
    except InvalidToken:
        also = "" if settings.api_url == TELEGRAM_API_URL else ", and GOODWORK_API_URL"
        raise ConfigError(
            f"Telegram refused GOODWORK_TOKEN ({probe.reason()}): check the token with @BotFather{also}"
        ) from None
    except TelegramError as exc:
        raise TelegramUnreachableError(
            f"cannot reach Telegram at {api_host(settings.api_url)} ({probe.reason(exc)}): {probe.advice()}"
        ) from None


def api_host(api_url: str) -> str:
    """The host (and port) of the Bot API URL: never the whole URL, whose path holds the token."""
    return urlsplit(api_url).netloc.rpartition("@")[2]


class Probe(HTTPXRequest):
    """python-telegram-bot's HTTP request, keeping the last HTTP status for the one-line explanation.

    An answer that is not JSON (a proxy's error page) is refused without PTB's ERROR log of the
    raw body and its traceback: ``check_telegram`` says what happened in one line.
    """

    status: int | None = None

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.status, payload = await super().do_request(*args, **kwargs)
        return self.status, payload

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        try:
            return dict(json.loads(payload.decode("utf-8", "replace")))
        except (ValueError, TypeError):
            raise TelegramError("the answer is not the Bot API's") from None

    def reason(self, error: TelegramError | None = None) -> str:
        if self.status is not None and self.status >= 300:
            return f"{self.status} {_phrase(self.status)}".strip()
        if self.status is not None:
            return "the answer is not the Bot API's"
        if isinstance(error, TimedOut):
            return "no answer in time"
        cause = error.__cause__ if error is not None and error.__cause__ is not None else error
        return f"{type(cause).__name__}: {cause}"[:200]

    def advice(self) -> str:
        if self.status is None:
            return "check this machine's network (DNS, proxy, firewall) and GOODWORK_API_URL"
        if self.status >= 300:
            return (
                "Telegram, or a proxy on the way, answered with an error: try again later, and check GOODWORK_API_URL"
            )
        return "something answered, but not as the Bot API does: check GOODWORK_API_URL"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
