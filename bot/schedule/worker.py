"""The outbox as a background task of ``goodwork run``: its own Bot connection, sender and dispatcher."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Bot

from bot.config import Settings
from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.schedule.messages import FollowupMessages
from bot.schedule.outbox import Dispatcher
from bot.schedule.sender import Limits, Sender
from bot.store.sqlite import utc_now
from bot.telegram.services import Services


def outbox_worker(
    settings: Settings, courses: CourseBook, hours: WorkingHours
) -> Callable[[Services], Coroutine[Any, Any, None]]:
    """A worker for ``Bot(workers=...)``: sends due follow-ups until the bot stops.

    The sender has its own connection to the Bot API, so its rate limits never slow replies to people chatting.
    """

    async def work(services: Services) -> None:
        bot = Bot(settings.require_token(), base_url=settings.api_url, base_file_url=settings.file_url)
        async with bot:
            compose = FollowupMessages(services.store, services.catalogue, courses)
            dispatcher = Dispatcher(services.store, Sender(bot, Limits()), hours=hours, compose=compose, clock=utc_now)
            await dispatcher.run()

    return work
