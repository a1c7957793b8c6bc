"""The outbox as a background task of ``goodwork run``: its own Bot connection, sender and dispatcher."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Bot

from bot.config import Settings
from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.schedule.messages import FollowupMessages
from bot.schedule.outbox import EVERY, Dispatcher
from bot.schedule.reminders import ReminderPolicy
from bot.schedule.sender import Limits, Sender
from bot.telegram.services import Services

logger = logging.getLogger(__name__)
RESTART_AFTER = 60.0  # seconds before a worker that stopped on an error starts again


def outbox_worker(
    settings: Settings,
    courses: CourseBook,
    hours: WorkingHours,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Callable[[Services], Coroutine[Any, Any, None]]:
    """A worker for ``Bot(workers=...)``: sends due follow-ups until the bot stops.

    The sender has its own connection to the Bot API, so its rate limits never slow replies to people chatting.
    It reads the bot's clock. If it stops on an error (Telegram unreachable at start, say), it says so
    in the log and starts again after ``RESTART_AFTER`` seconds rather than leaving follow-ups unsent.
    """

    async def work(services: Services) -> None:
        while True:
            try:
                await _send(settings, courses, hours, services, sleep)
            except Exception as exc:  # by type only: a Telegram error's text may hold the token
                logger.error("outbox stopped (%s); starting again in %.0f s", type(exc).__name__, RESTART_AFTER)
            await sleep(RESTART_AFTER)

    return work


async def _send(
    settings: Settings,
    courses: CourseBook,
    hours: WorkingHours,
    services: Services,
    sleep: Callable[[float], Awaitable[None]],
) -> None:
    bot = Bot(settings.require_token(), base_url=settings.api_url, base_file_url=settings.file_url)
    async with bot:
        compose = FollowupMessages(services.store, services.catalogue, courses)
        sender = Sender(bot, Limits(overall=float(settings.send_rate), per_chat=float(settings.chat_rate)))
        reminders = ReminderPolicy(services.store, services.keys, courses, hours)
        dispatcher = Dispatcher(
            services.store, sender, hours=hours, compose=compose, clock=services.clock, reminders=reminders
        )
        await dispatcher.run(EVERY, sleep)
