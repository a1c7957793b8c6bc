"""``goodwork run``: the bot on Telegram, by long polling, until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio

from bot.config import Settings
from bot.telegram.app import run_bot


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings.require_token()
    settings.require_secret()
    asyncio.run(run_bot(settings))
    return 0
