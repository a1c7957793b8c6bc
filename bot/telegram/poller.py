"""Long polling that confirms an update to Telegram only once it has been handled.

python-telegram-bot's ``Updater`` confirms a batch as soon as it is queued, so
a crash loses whatever was queued. Here the offset sent to Telegram never
passes an update still in progress: after a crash Telegram delivers it again,
and the store's update ids make sure a step that did commit is not applied twice.

Updates are handled in ``Lanes`` (``lanes.py``): one person's in order, different
people's concurrently, a flood cut short.

Telegram hands out at most 100 updates from the offset, so updates that wait
(for a chat Telegram limits, say) would, after a hundred newer ones, keep
everyone else's from arriving. When the updates from the oldest one in progress
to the newest span ``spill_span``, those in progress are kept in the ``Inbox``
(sealed, in the database) and the offset moves on; after a crash the bot handles
what the inbox still holds (``replay``) before it polls again.

Each update is read on its own (``lanes.read``): one this library cannot read is
logged (by id) and skipped instead of stopping the poller for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.store.group import GroupCommit
from bot.telegram import api
from bot.telegram.errors import PollingError
from bot.telegram.lanes import Guard, Handle, JSONDict, Lanes, read, unguarded
from bot.telegram.render import retry_seconds

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
# While updates are in progress the offset cannot move past them, so Telegram answers a poll at once
# (with them again): poll every BUSY_POLL s while polls bring new updates, and when they bring nothing
# new (replies only wait, for a typing pause or Telegram's retry_after) twice as long each time, up to
# QUIET_POLL s; an update that finishes makes the wait short again.
BUSY_POLL = 0.025
QUIET_POLL = 0.2
SPILL_SPAN = 50  # updates from the oldest in progress to the newest: from here on, those in progress go to the inbox
MAX_BACKOFF = 30.0
READ_MARGIN = 5.0  # seconds a long poll may take beyond its timeout before the read counts as failed


class Inbox(Protocol):
    """Where updates in progress are kept so that Telegram may forget them (the store)."""

    async def spill(self, updates: Sequence[tuple[int, str]]) -> None: ...

    async def unspill(self, update_ids: Sequence[int]) -> None: ...

    async def spilled(self, others_only: bool = False) -> list[tuple[int, str]]: ...


class Poller:
    def __init__(
        self,
        bot: Bot,
        handle: Handle,
        overflow: Handle,
        *,
        timeout: int = 30,
        concurrency: int = 64,
        backlog: int = 10,
        inbox: Inbox | None = None,
        spill_span: int = SPILL_SPAN,
        beat: Callable[[], None] = lambda: None,
        guard: Guard = unguarded,
    ) -> None:
        self.bot, self.beat = bot, beat
        self.timeout, self.inbox, self.spill_span = timeout, inbox, spill_span
        self._lanes = Lanes(handle, overflow, self._finished, concurrency=concurrency, backlog=backlog, guard=guard)
        # handled updates leave the inbox together
        self._released = None if inbox is None else GroupCommit(inbox.unspill)
        self._pending: set[int] = set()  # in progress and holding the offset back
        self._held: dict[int, JSONDict | str] = {}  # the updates in progress (pending or spilled), as sent
        self._spilled: set[int] = set()  # in progress and kept in the inbox
        self._newest = -1
        self._wait = BUSY_POLL  # before the next poll while updates are in progress
        self._progress = asyncio.Event()
        self._stopping = asyncio.Event()

    @property
    def offset(self) -> int | None:
        """The offset to confirm: the oldest update in progress, else one past the newest seen."""
        if self._pending:
            return min(self._pending)
        return self._newest + 1 if self._newest >= 0 else None

    async def run(self) -> None:
        """Poll until ``stop()`` (or PollingError); either way let updates in progress finish first."""
        try:
            await self._no_webhook()
            await self._poll()
        except PollingError:
            await self._drain()
            raise
        await self._drain()

    def replay(self, kept: Sequence[tuple[int, str]]) -> None:
        """Updates the inbox still held when the bot stopped: handled first, in order, as if just fetched."""
        for update_id, raw in kept:
            self._newest = max(self._newest, update_id)
            update = read(json.loads(raw), self.bot)
            if update is None:
                self._lanes.spawn(self._unspill(update_id))
                continue
            self._spilled.add(update_id)
            self._queue(update, raw, holds_offset=False)

    async def _no_webhook(self) -> None:
        """Telegram refuses getUpdates while a webhook is set (an earlier ``goodwork run`` with
        ``GOODWORK_WEBHOOK_URL``): remove it, keeping the updates Telegram holds, as python-telegram-bot does."""
        try:
            info = await api.call(self.bot, "getWebhookInfo", {})
            if info.get("url"):
                await api.call(self.bot, "deleteWebhook", {"drop_pending_updates": False})
                logger.warning("Telegram was sending this bot's updates to a webhook; removed it to poll")
        except (InvalidToken, Conflict) as exc:
            raise PollingError(_explain(exc)) from None
        except TelegramError as exc:  # polling says the same soon, with its retries
            logger.warning("could not ask Telegram about a webhook (%s)", type(exc).__name__)

    async def _poll(self) -> None:
        backoff = 1.0
        self.beat()  # polling starts; from now on each answer from Telegram says the loop is alive
        while not self._stopping.is_set():
            await self._spill_if_held_back()
            try:
                updates = await self._fetch()
                backoff = 1.0
                self.beat()  # ``goodwork health`` reads it: a loop that cannot reach Telegram stops beating
            except RetryAfter as exc:
                await self._pause(retry_seconds(exc))
                continue
            except (Conflict, InvalidToken) as exc:
                raise PollingError(_explain(exc)) from None
            except TelegramError as exc:  # network trouble or a 5xx: Telegram keeps the updates
                logger.warning("getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, backoff)
                await self._pause(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            if updates is not None:
                self._dispatch(updates)

    def stop(self) -> None:
        self._stopping.set()

    async def _fetch(self) -> list[JSONDict] | None:
        """One getUpdates call that returns early on ``stop()``; None if it was cut short."""
        if self._pending:  # Telegram would answer at once with them again: give them a moment to finish
            await self._wait_until_idle(self._wait)
        poll = asyncio.ensure_future(self._get_updates(0 if self._pending else self.timeout))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not poll.done():
            poll.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await poll
            return None
        return list(poll.result())

    async def _get_updates(self, timeout: int, limit: int = 100) -> list[JSONDict]:
        """getUpdates as plain JSON, so that each update is read on its own (see ``_read``)."""
        data = {"offset": self.offset, "timeout": timeout, "limit": limit, "allowed_updates": list(ALLOWED_UPDATES)}
        # Bot.get_updates reads a batch as a whole: one update it cannot read would stop polling for
        # good, and PTB's CRITICAL log of that failure holds the raw updates (names and texts included).
        return list(await api.call(self.bot, "getUpdates", data, read_timeout=timeout + READ_MARGIN))

    def _dispatch(self, batch: list[JSONDict]) -> None:
        newest = self._newest
        for data in batch:
            if _id(data) <= self._newest:
                continue  # still in progress: Telegram sent it again because it is not confirmed yet
            self._newest = _id(data)
            update = read(data, self.bot)
            if update is not None:
                self._queue(update, data)
        self._wait = BUSY_POLL if self._newest > newest else min(2 * self._wait, QUIET_POLL)

    def _queue(self, update: Update, raw: JSONDict | str, holds_offset: bool = True) -> None:
        """Into its person's lane; ``raw`` is kept to spill it."""
        if holds_offset:
            self._pending.add(update.update_id)
        self._held[update.update_id] = raw
        self._lanes.queue(update)

    def _finished(self, update_id: int) -> None:
        """Handled (or dropped): it no longer holds the offset back, nor stays in the inbox."""
        self._pending.discard(update_id)
        self._held.pop(update_id, None)
        if update_id in self._spilled:
            self._spilled.discard(update_id)
            self._lanes.spawn(self._unspill(update_id))
        self._progress.set()

    async def _spill_if_held_back(self) -> None:
        """When updates in progress hold the offset back too far, keep them in the inbox and let it move on."""
        if self.inbox is None or not self._pending or self._newest - min(self._pending) + 1 < self.spill_span:
            return
        held = sorted(self._pending)
        try:
            await self.inbox.spill([(update_id, _text(self._held[update_id])) for update_id in held])
        except Exception as exc:  # the offset keeps waiting for them, as without an inbox
            logger.warning("could not keep %d update(s) in the inbox (%s)", len(held), type(exc).__name__)
            return
        for update_id in held:
            if update_id in self._pending:
                self._pending.discard(update_id)
                self._spilled.add(update_id)
            else:  # finished while they were being kept
                self._lanes.spawn(self._unspill(update_id))
        logger.info("%d update(s) in progress kept in the inbox, so newer ones can arrive", len(held))

    async def _unspill(self, update_id: int) -> None:
        if self._released is not None:
            try:
                await self._released.add(update_id)
            except Exception as exc:  # it stays kept, and is shown again after the next start
                logger.warning("update %s could not leave the inbox (%s)", update_id, type(exc).__name__)

    async def _wait_until_idle(self, seconds: float) -> None:
        """Until nothing is in progress, or ``seconds`` have passed; an update that finished meanwhile
        makes the next wait short again (the offset it frees is worth confirming)."""
        deadline = asyncio.get_running_loop().time() + seconds
        while self._pending and (left := deadline - asyncio.get_running_loop().time()) > 0:
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), left)
            if self._progress.is_set():
                self._wait = BUSY_POLL

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _drain(self) -> None:
        """Let every update in progress finish, then confirm them so Telegram does not send them again."""
        await self._lanes.drain()
        if self._newest >= 0:
            with contextlib.suppress(TelegramError):  # e.g. Conflict: the next poller confirms them
                await self._get_updates(0, limit=1)


def _text(raw: JSONDict | str) -> str:
    return raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, separators=(",", ":"))


def _id(data: JSONDict) -> int:
    return int(data["update_id"])


def _explain(exc: Exception) -> str:
    if isinstance(exc, Conflict):
        return (
            "another process is polling Telegram with this bot token (Telegram answered 409 Conflict); "
            "stop the other instance, or run several instances with webhooks"
        )
    return "Telegram refused the bot token (401 Unauthorized): check GOODWORK_TOKEN with @BotFather"
