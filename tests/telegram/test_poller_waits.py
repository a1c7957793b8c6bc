"""While a reply only waits, the poller does not poll Telegram in a tight loop, and others are still heard."""

from __future__ import annotations

import asyncio
import time

from fakeapi import FakeTelegram
from telegram import Update

from bot.telegram.poller import QUIET_POLL, Poller
from bot.telegram.transport import AiohttpRequest


async def test_a_waiting_reply_does_not_make_the_poller_spin(tg: FakeTelegram) -> None:
    anna, ben = tg.person(), tg.person()
    handled: dict[int, float] = {}

    async def handle(update: Update) -> None:
        assert update.effective_user is not None
        handled[update.effective_user.id] = time.monotonic()
        if update.effective_user.id == anna.user_id:
            await asyncio.sleep(2.0)  # a reply that only waits (a typing pause, Telegram's retry_after)

    async def overflow(update: Update) -> None:
        raise AssertionError("nobody floods here")

    async with tg.bot(request=AiohttpRequest(2), get_updates_request=AiohttpRequest(1)) as bot:
        poller = Poller(bot, handle, overflow, timeout=5)
        running = asyncio.ensure_future(poller.run())
        try:
            anna.send("hallo")
            while anna.user_id not in handled:
                await asyncio.sleep(0.01)
            polls_before = len(tg.calls_to("getUpdates"))
            await asyncio.sleep(1.0)
            polls = len(tg.calls_to("getUpdates")) - polls_before
            sent = time.monotonic()
            ben.send("ook hallo")
            while ben.user_id not in handled:
                await asyncio.sleep(0.01)
            heard_after = handled[ben.user_id] - sent
        finally:
            poller.stop()
            await asyncio.wait_for(running, 10)
    assert polls <= 10  # a poll every 25 ms would be 40
    assert heard_after < QUIET_POLL + 0.3  # someone else is still heard soon
    assert tg.unconfirmed == []  # and everything was confirmed once handled
