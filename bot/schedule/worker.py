"""The outbox as a background task of ``goodwork run``: its own Bot connection, sender and dispatcher."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Bot

from bot.config import Settings
from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.schedule.digest_messages import DigestMessages
from bot.schedule.digests import DigestPlanner
from bot.schedule.messages import FollowupMessages, Messages
from bot.schedule.outbox import BATCH, CHUNK, EVERY, Dispatcher
from bot.schedule.reminders import ReminderPolicy
from bot.schedule.sender import Limits, Sender
from bot.schedule.tranche_digests import TrancheDigests
from bot.store.heartbeat import Heartbeat
from bot.telegram.services import Services
from bot.telegram.transport import AiohttpRequest

logger = logging.getLogger(__name__)
RESTART_AFTER = 60.0  # seconds before a worker that stopped on an error starts again
# The sender's kept-alive connections to the Bot API (enough for Telegram's 30 a second at real latency).
CONNECTIONS = 16


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
    request = AiohttpRequest(CONNECTIONS)
    bot = Bot(settings.require_token(), base_url=settings.api_url, base_file_url=settings.file_url, request=request)
    async with bot:
        store, catalogue, keys, k = services.store, services.catalogue, services.keys, settings.min_group
        compose = Messages(
            FollowupMessages(store, catalogue, courses),
            DigestMessages(store, catalogue, keys, k),
            TrancheDigests(store, catalogue, keys, courses, k),
        )
        sender = Sender(bot, Limits(overall=float(settings.send_rate), per_chat=float(settings.chat_rate)))
        reminders = ReminderPolicy(services.store, services.keys, courses, hours)
        beat = Heartbeat(store, settings.instance, "outbox", services.clock)
        dispatcher = Dispatcher(
            store,
            sender,
            hours=hours,
            compose=compose,
            clock=services.clock,
            reminders=reminders,
            beat=beat,
            batch=in_flight(settings.send_rate),
        )
        try:
            await dispatcher.run(EVERY, sleep)
        finally:
            await beat.settle()


def in_flight(send_rate: float) -> int:
    """Rows claimed ahead: about two seconds of sending (at least two chunks, at most ``BATCH``). More would only
    wait for the rate limit, and a crash makes every claimed row one of unknown outcome, sent or not."""
    return max(2 * CHUNK, min(BATCH, math.ceil(2 * send_rate)))


def digest_worker(
    settings: Settings, hours: WorkingHours, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> Callable[[Services], Coroutine[Any, Any, None]]:
    """A worker for ``Bot(workers=...)``: queues each week's digests from ``GOODWORK_DIGEST`` on (none when off)."""

    async def work(services: Services) -> None:
        planner = DigestPlanner(
            services.store, services.keys, hours, settings.digest, settings.trainers, services.clock
        )
        await planner.run(sleep=sleep)

    return work
