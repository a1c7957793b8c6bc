"""``goodwork run``: the bot on Telegram, by long polling, until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio

from bot.config import ConfigError, Settings
from bot.dialogue.files import check_paths
from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.schedule.worker import outbox_worker
from bot.telegram.app import Bot, run_bot


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings.require_token()
    settings.require_secret()
    hours = working_hours(settings)
    courses = CourseBook(check_paths([settings.dialogues]).courses, hours)
    bot = Bot(settings, courses=courses, workers=[outbox_worker(settings, courses, hours)])
    asyncio.run(run_bot(bot))
    return 0


def working_hours(settings: Settings) -> WorkingHours:
    """``GOODWORK_HOURS`` in ``GOODWORK_TZ``, or ConfigError naming the variable."""
    try:
        return WorkingHours.parse(settings.hours, tz=settings.tz)
    except ValueError as exc:
        raise ConfigError(f"GOODWORK_HOURS: {exc}") from None
