"""bench_bot.py's run on whatever a bot shows: people who press the first button, or else write.

Every person starts at once with ``/start``. After each action the person waits
for the bot's first message or edit in their chat (the latency) and then for
``QUIET`` seconds without anything new (the reply is complete); then presses
the first button of the newest message, or, when it has none, writes a short
reflection. ``ACTIONS`` actions each. The fake server counts every Bot API call
by method, so calls per action can be compared between bots in one run.
"""

from __future__ import annotations

import asyncio
import collections
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from fakeapi import FakeTelegram
from person import Person

QUIET = 0.3  # seconds without a new message or edit: the reply is complete
ACTIONS = 6
PATIENCE = 20.0  # seconds an action may wait for its first answer before it counts as failed
WORDS = ("duty", "doubt", "fair", "people", "rules", "voice", "trust", "care", "because", "public", "colleague")
SHOWN = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto", "editMessageCaption"})


class CountingTelegram(FakeTelegram):
    """The fake server, noting per chat when the bot last showed something and waking who waits for it."""

    def __init__(self) -> None:
        super().__init__()
        self.shown_at: dict[int, float] = {}
        self.waiting: dict[int, asyncio.Future[float]] = {}

    def expect(self, chat_id: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[chat_id] = future
        return future

    async def _answer(self, name: str, handler: Any, params: dict[str, Any]) -> Any:
        result = await super()._answer(name, handler, params)
        if name in SHOWN and "chat_id" in params:
            chat_id, now = int(params["chat_id"]), time.monotonic()
            self.shown_at[chat_id] = now
            future = self.waiting.pop(chat_id, None)
            if future is not None and not future.done():
                future.set_result(now)
        return result

    def count(self, since: int) -> collections.Counter[str]:
        """Bot API calls by method from call number ``since`` on."""
        return collections.Counter(call.method for call in self.calls[since:])


@dataclass
class Tally:
    actions: int = 0
    failures: int = 0
    latencies: list[float] = field(default_factory=list)


async def walk(tg: CountingTelegram, person: Person, rng: random.Random, tally: Tally) -> None:
    for number in range(ACTIONS):
        answered = tg.expect(person.chat_id)
        started = time.monotonic()
        if number == 0:
            person.send("/start")
        elif (data := _first_button(person)) is not None:
            person.press_data(*data)
        else:
            person.send(" ".join(rng.choices(WORDS, k=rng.randint(8, 30))))
        try:
            arrived = await asyncio.wait_for(answered, PATIENCE)
        except TimeoutError:
            tally.failures += 1
            return
        tally.actions += 1
        tally.latencies.append(arrived - started)
        while time.monotonic() - tg.shown_at.get(person.chat_id, 0.0) < QUIET:
            await asyncio.sleep(QUIET / 3)


def _first_button(person: Person) -> tuple[str, int] | None:
    """The callback data of the first button under the newest message, and that message's id."""
    if not person.messages:
        return None
    newest = person.messages[-1]
    for label in newest.buttons:
        button = newest.button(label)
        if button is not None and "callback_data" in button:
            return str(button["callback_data"]), newest.message_id
    return None


async def run(tg: CountingTelegram, people: list[Person], seed: int) -> tuple[Tally, collections.Counter[str]]:
    """Everyone walks at once; the tally and the Bot API calls made meanwhile."""
    tally, since, rng = Tally(), len(tg.calls), random.Random(seed)
    await asyncio.gather(*(walk(tg, person, random.Random(rng.random()), tally) for person in people))
    await asyncio.sleep(QUIET)  # the last replies' calls
    return tally, tg.count(since)


def figures(tally: Tally, calls: collections.Counter[str], cpu: float, memory: float) -> dict[str, float]:
    latencies = sorted(tally.latencies) or [float("nan")]
    per = max(tally.actions, 1)
    shown = {f"  {method}/action": count / per for method, count in sorted(calls.items()) if method != "getUpdates"}
    return {
        "actions answered": tally.actions,
        "failures": tally.failures,
        "p50 ms": 1000 * statistics.median(latencies),
        "p95 ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "CPU ms/action": 1000 * cpu / per,
        "API calls/action": sum(shown.values()),
        **shown,
        "  getUpdates/action": calls["getUpdates"] / per,
        "peak memory MB": memory,
    }
