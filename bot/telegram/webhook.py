"""Updates by webhook: Telegram posts each update to ``GOODWORK_WEBHOOK_URL``; a reverse proxy ends TLS and passes
the request to ``GOODWORK_LISTEN``.

A request without the webhook's secret token (``X-Telegram-Bot-Api-Secret-Token``,
set with ``setWebhook``) is refused with 401 and nothing is kept. An update with
it is sealed into the inbox (it holds names and text) and committed *before*
Telegram gets its 200: an instance killed a moment later has lost nothing
Telegram considers delivered, and the next start handles what the inbox holds
(``replay``), as after a crash while polling. Once handled, it leaves the inbox.
An update Telegram sends again (our 200 got lost) changes nothing twice: the
store records each update id with what it changed.

Updates are handled in ``Lanes``, as polled ones are. Every ``CHECK`` seconds
the bot asks Telegram about its webhook (``getWebhookInfo``): an answer that
names our address is the loop's heartbeat, unless Telegram reports delivery
errors since the last update that arrived while updates wait (the reverse proxy
down, a certificate refused): then it is logged, and the heartbeat stops, so
``goodwork health`` says the loop is not receiving. Each update received beats
too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.config import ConfigError
from bot.store.group import GroupCommit
from bot.telegram import api
from bot.telegram.errors import WebhookError
from bot.telegram.lanes import Guard, Handle, JSONDict, Lanes, read, unguarded
from bot.telegram.poller import ALLOWED_UPDATES, Inbox

logger = logging.getLogger(__name__)
HEADER = "X-Telegram-Bot-Api-Secret-Token"
CHECK = 30.0  # seconds between two looks at the webhook Telegram has (the loop's heartbeat)
MAX_CONNECTIONS = 40  # Telegram's default: requests it may have open to us at once
MAX_BODY = 1024 * 1024  # an update is a few kB; anything larger is no update


class Webhook:
    def __init__(
        self,
        bot: Bot,
        handle: Handle,
        overflow: Handle,
        *,
        inbox: Inbox,
        url: str,
        listen: tuple[str, int],
        token: str,
        concurrency: int = 64,
        backlog: int = 10,
        beat: Callable[[], None] = lambda: None,
        check_every: float = CHECK,
        guard: Guard = unguarded,
    ) -> None:
        self.bot, self.inbox, self.url, self.listen, self.token, self.beat = bot, inbox, url, listen, token, beat
        self.check_every = check_every
        self._received_at = time.time()  # when the last update arrived (Unix time; at first, the start)
        self.path = urlsplit(url).path or "/"
        self._lanes = Lanes(handle, overflow, self._finished, concurrency=concurrency, backlog=backlog, guard=guard)
        self._held: set[int] = set()  # in the inbox and not handled yet
        # updates kept and released together: with many requests at once, one transaction for many of them
        self._spill = GroupCommit(inbox.spill)
        self._unspill = GroupCommit(inbox.unspill)
        self._stopping = asyncio.Event()

    def replay(self, kept: Sequence[tuple[int, str]]) -> None:
        """Updates the inbox still held when the bot stopped: handled first, in order."""
        for update_id, raw in kept:
            self._take(update_id, json.loads(raw))

    async def run(self) -> None:
        """Listen, register the webhook with Telegram, and serve until ``stop()``; then let updates in progress
        finish (requests being answered first, so nothing new arrives meanwhile)."""
        runner = web.AppRunner(_app(self.path, self._receive), access_log=None, handle_signals=False)
        await runner.setup()
        try:
            host, port = self.listen
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as exc:
                raise ConfigError(f"GOODWORK_LISTEN: cannot listen on {host}:{port} ({exc.strerror or exc})") from None
            await self._register()
            logger.info("receiving updates by webhook on %s:%d%s", host, port, self.path)
            while not self._stopping.is_set():
                await self._check()
                await self._take_over()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.check_every)
        finally:
            await runner.cleanup()
            await self._lanes.drain()

    def stop(self) -> None:
        self._stopping.set()

    async def _register(self) -> None:
        params: dict[str, Any] = {
            "url": self.url,
            "secret_token": self.token,
            "allowed_updates": list(ALLOWED_UPDATES),
            "max_connections": MAX_CONNECTIONS,
        }
        try:
            await api.call(self.bot, "setWebhook", params)
        except BadRequest as exc:
            raise ConfigError(f"GOODWORK_WEBHOOK_URL: Telegram refused {self.url} ({exc.message})") from None
        except TelegramError as exc:
            raise WebhookError(f"the webhook could not be set: {type(exc).__name__}: {exc.message}") from None

    async def _check(self) -> None:
        """The webhook as Telegram has it: ours (a heartbeat), another's (said once), or a delivery error."""
        try:
            info = await api.call(self.bot, "getWebhookInfo", {})
        except TelegramError as exc:
            logger.warning("could not ask Telegram about the webhook (%s)", type(exc).__name__)
            return
        if info.get("url") != self.url:
            logger.error(
                "Telegram now sends updates elsewhere (another goodwork, or deleteWebhook); not to %s", self.url
            )
            return
        errored = int(info.get("last_error_date") or 0)  # whole seconds
        failing = errored >= int(self._received_at) and info.get("pending_update_count", 0)
        if failing:  # no heartbeat: updates wait at Telegram, which cannot reach us
            message = str(info.get("last_error_message", ""))[:200]
            waiting = info["pending_update_count"]
            logger.warning("Telegram cannot deliver updates to %s (%s); %s waiting", self.url, message, waiting)
            return
        self.beat()

    async def _take_over(self) -> None:
        """Updates that an instance which stopped had kept and not handled: this one handles them (see the inbox)."""
        try:
            kept = await self.inbox.spilled(others_only=True)
        except Exception as exc:
            logger.warning("could not look for updates left by a stopped instance (%s)", type(exc).__name__)
            return
        if kept:
            logger.warning("handling %d update(s) kept by an instance that stopped", len(kept))
            self.replay(kept)

    async def _receive(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(HEADER, "").encode(), self.token.encode()):
            return web.Response(status=401, text="unauthorized")
        try:
            data = json.loads(await request.read())
        except (ValueError, RecursionError):  # not JSON, or nested deeper than any update
            return web.Response(status=400, text="not a Telegram update")
        if not isinstance(data, dict) or type(data.get("update_id")) is not int or data["update_id"] < 0:
            return web.Response(status=400, text="not a Telegram update")
        update_id: int = data["update_id"]
        if update_id not in self._held:  # else: sent again while still in progress here
            self._held.add(update_id)
            raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            try:
                await self._spill.add((update_id, raw))
            except Exception as exc:  # not kept: Telegram must try again later
                self._held.discard(update_id)
                logger.warning(
                    "update %s could not be kept (%s); Telegram sends it again", update_id, type(exc).__name__
                )
                return web.Response(status=503, text="try again")
            self._take(update_id, data)
        self._received_at = time.time()
        self.beat()
        return web.Response(text="ok")

    def _take(self, update_id: int, data: JSONDict) -> None:
        """An update kept in the inbox: into its person's lane (one that cannot be read leaves the inbox)."""
        update = read(data, self.bot)
        if update is None:
            self._finished(update_id)
            return
        self._held.add(update_id)
        self._lanes.queue(update)

    def _finished(self, update_id: int) -> None:
        self._held.discard(update_id)
        self._lanes.spawn(self._release(update_id))

    async def _release(self, update_id: int) -> None:
        try:
            await self._unspill.add(update_id)
        except Exception as exc:  # it stays kept, and is handled again (as a repeat) after the next start
            logger.warning("update %s could not leave the inbox (%s)", update_id, type(exc).__name__)


def _app(path: str, receive: Callable[[web.Request], Any]) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(path, receive)
    return app
