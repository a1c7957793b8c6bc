"""The composition root of the running bot: settings, store, catalogue, application, and the receiver of
updates (the poller, or the webhook when ``GOODWORK_WEBHOOK_URL`` is set).

``serve`` runs until SIGINT/SIGTERM (or ``stop``): it serves the metrics when
``GOODWORK_METRICS`` asks, syncs the dialogues folder into the store, sets the
command menus, receives updates (its loop's heartbeat going to the store), and
on the way out lets updates in progress finish before closing the application
and the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from bot import metrics
from bot.config import ConfigError, Settings
from bot.store import Keys, Store, open_store
from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations
from bot.store.heartbeat import Heartbeat
from bot.store.retention import keep_pruning
from bot.store.sqlite import utc_now
from bot.telegram.commands import Commands
from bot.telegram.handlers import Router, on_error
from bot.telegram.lanes import Guard
from bot.telegram.menus import set_menus
from bot.telegram.poller import Poller
from bot.telegram.render import Renderer
from bot.telegram.services import Courses, Services
from bot.telegram.transport import AiohttpRequest
from bot.telegram.webhook import Webhook

logger = logging.getLogger(__name__)
Worker = Callable[[Services], Coroutine[Any, Any, None]]  # a background task the bot runs while it serves
# People served at once, and kept-alive HTTP connections to the Bot API for their replies; the long
# poll has a connection of its own. With 200 people starting at once (bench_bot.py's shipped run), 64
# and 16 brought the median reply from 117-161 to 88 ms against 16 and 8 at the same CPU per action;
# more did not help (each step's commit goes through the one writer).
CONCURRENCY = 64
CONNECTIONS = 16


def build_application(settings: Settings) -> Application:  # type: ignore[type-arg]
    """python-telegram-bot's Application, without its Updater (our ``Poller`` confirms offsets)."""
    builder: ApplicationBuilder = Application.builder()  # type: ignore[type-arg]
    return (
        builder.token(settings.require_token())
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .request(AiohttpRequest(CONNECTIONS, pool=10.0))
        .get_updates_request(AiohttpRequest(1))
        .updater(None)
        .job_queue(None)
        .build()
    )


class Bot:
    """One running bot: everything it holds, created in ``start`` and released in ``close``."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime] = utc_now,
        *,
        courses: Courses | None = None,
        workers: Sequence[Worker] = (),
    ) -> None:
        self.settings, self.clock, self.courses, self.workers = settings, clock, courses, tuple(workers)
        self.keys = Keys(settings.require_secret())
        self.application = build_application(settings)
        self.store: Store | None = None
        self.receiver: Poller | Webhook | None = None  # how updates arrive: long polling, or a webhook

    async def serve(self) -> None:
        """Run until ``stop()``; every resource is released whatever happens."""
        exposed = await self._expose_metrics()
        try:
            store = self.store = await open_store(self.settings, self.keys, clock=self.clock)
        except BaseException:
            if exposed is not None:
                await exposed.stop()
            raise
        mode = "polling" if self.settings.webhook_url is None else "webhook"
        beat = Heartbeat(store, self.settings.instance, mode, self.clock)
        background: list[asyncio.Task[None]] = []
        try:
            services = await self._services(store)
            router = Router(services, Commands(services))
            self.application.add_handler(TypeHandler(Update, router.route))
            self.application.add_error_handler(on_error)
            async with self.application:
                await self._set_commands()
                retention = keep_pruning(store, self.settings.retention_days, clock=self.clock, tz=self.settings.tz)
                background = [asyncio.ensure_future(w) for w in (retention, *(w(services) for w in self.workers))]
                for task in background:
                    task.add_done_callback(_report_stopped)
                receiver = self.receiver = self._receiver(router, store, beat)
                receiver.replay(await store.spilled())
                logger.info("bot @%s is running (%s)", self.application.bot.username, mode)
                await receiver.run()
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            if exposed is not None:
                await exposed.stop()
            await beat.settle()
            await store.close()

    async def _expose_metrics(self) -> metrics.MetricsServer | None:
        """The Prometheus endpoint, when ``GOODWORK_METRICS`` asks for one."""
        if self.settings.metrics is None:
            return None
        host, port = self.settings.metrics
        server = metrics.MetricsServer(host, port, self._measure_outbox)
        try:
            await server.start()
        except OSError as exc:
            raise ConfigError(f"GOODWORK_METRICS: cannot listen on {host}:{port} ({exc.strerror or exc})") from None
        return server

    async def _measure_outbox(self) -> None:
        """The outbox gauges, read when Prometheus scrapes."""
        if self.store is None:
            return
        now = self.clock()
        backlog = await self.store.backlog(now)
        metrics.OUTBOX_DUE.set(backlog.due)
        metrics.OUTBOX_OLDEST.set(0 if backlog.oldest is None else max(0.0, (now - backlog.oldest).total_seconds()))

    def _receiver(self, router: Router, store: Store, beat: Heartbeat) -> Poller | Webhook:
        """Long polling, or a webhook when ``GOODWORK_WEBHOOK_URL`` is set."""
        bot, handle = self.application.bot, self.application.process_update
        guard = self._one_at_a_time(store)
        if self.settings.webhook_url is None:
            return Poller(bot, handle, router.slow_down, concurrency=CONCURRENCY, inbox=store, beat=beat, guard=guard)
        return Webhook(
            bot,
            handle,
            router.slow_down,
            inbox=store,
            url=self.settings.webhook_url,
            listen=self.settings.listen,
            token=self.settings.webhook_secret or self.keys.webhook_token,
            concurrency=CONCURRENCY,
            beat=beat,
            guard=guard,
        )

    def _one_at_a_time(self, store: Store) -> Guard:
        """Each person's updates one at a time across instances sharing the database (the store's lock)."""

        def guard(update: Update) -> AbstractAsyncContextManager[None]:
            user = update.effective_user
            return contextlib.nullcontext() if user is None else store.serialised(self.keys.telegram(user.id).contact)

        return guard

    def stop(self) -> None:
        if self.receiver is not None:
            self.receiver.stop()

    async def _services(self, store: Store) -> Services:
        catalogue = Catalogue(store)
        synced = await catalogue.sync(self.settings.dialogues, "goodwork run")
        for problem in synced.problems:
            logger.warning("dialogue not published: %s", problem)
        logger.info("dialogues and courses: %d newly published", len(synced.published))
        if self.courses is not None:
            for course in (await catalogue.courses()).values():
                self.courses.remember(course)
        renderer = Renderer(self.application.bot, self.settings.pacing_ms, self.settings.dialogues)
        conversations = Conversations(store, catalogue)
        return Services(
            self.settings, store, self.keys, catalogue, conversations, renderer, self.courses, clock=self.clock
        )

    async def _set_commands(self) -> None:
        await set_menus(self.application.bot, self.settings.trainers)


def _report_stopped(task: asyncio.Task[None]) -> None:
    """A background task should run until the bot stops; say so (by error type only) if one ends early."""
    if not task.cancelled() and task.exception() is not None:
        logger.error("background task stopped: %s", type(task.exception()).__name__)


async def run_bot(bot: Bot) -> None:
    """``goodwork run``: serve until SIGINT or SIGTERM."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, bot.stop)
    try:
        await bot.serve()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
