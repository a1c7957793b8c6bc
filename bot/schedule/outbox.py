"""The outbox tick: claim due rows, send them through the one ``Sender``, settle each row by the outcome.

python-telegram-bot's JobQueue would keep the schedule in memory; here the
schedule is the outbox table, and this loop only looks at it every so often.

    Sent      -> the row is done (and forgets its recipient)
    Blocked   -> the person is marked inactive and everything queued for them is cancelled
    Rejected  -> the row is parked as failed
    RetryAt   -> back to pending, due again after the wait (in working hours); failed after MAX_ATTEMPTS
    Unknown   -> the same, counted: it may show twice

Trouble with one row stays with that row: a message that cannot be composed is retried
like a failed send, an unexpected error while sending counts as an unknown outcome, and
a row that cannot be settled stays ``sending`` until the next start recovers it.

Rows are claimed ``CHUNK`` at a time, more as soon as a chunk is out, up to ``batch``
in flight (``goodwork run``: about two seconds of sending, ``worker.in_flight``), so
the sender never stands still while rows are read and composed.
Sent rows are settled together (a ``GroupCommit``): those that come back while one
transaction marks rows sent wait for the next, so at a high rate one commit
settles many rows and at a low rate each row is settled at once, as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot import metrics
from bot.schedule.calendar import WorkingHours
from bot.schedule.sender import (
    MAX_ATTEMPTS,
    WINDOW,
    Blocked,
    Outgoing,
    Rejected,
    Result,
    RetryAt,
    Sender,
    Sent,
    Unknown,
    backoff,
)
from bot.store.group import GroupCommit
from bot.store.protocol import Participant, Planned, Queued, Store

logger = logging.getLogger(__name__)
Compose = Callable[[Queued, Participant], Awaitable[Outgoing]]


class Reminders(Protocol):
    async def due(self, row: Queued, sent_at: datetime) -> datetime | None: ...

    async def answered(self, row: Queued, participant: Participant) -> bool: ...


BATCH = 200  # rows in flight at most
CHUNK = 25  # rows claimed at a time: a claim's work (reading, composing) holds up the sends already due
EVERY = 30.0  # seconds between ticks
BACK_OFF = timedelta(weeks=1)  # after an unanswered reminder, the remaining follow-ups move this much later


class Dispatcher:
    def __init__(
        self,
        store: Store,
        sender: Sender,
        *,
        hours: WorkingHours,
        compose: Compose,
        clock: Callable[[], datetime],
        reminders: Reminders | None = None,
        batch: int = BATCH,
        chunk: int = CHUNK,
        beat: Callable[[], None] = lambda: None,
    ) -> None:
        self.store, self.sender, self.hours, self.compose, self.beat = store, sender, hours, compose, beat
        self.clock, self.reminders, self.batch = clock, reminders, batch
        self.chunk = max(1, min(batch, chunk))
        self._sent = GroupCommit(self._mark_sent)  # sent rows marked together

    async def run(self, every: float = EVERY, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        """Tick until cancelled, while this instance has the turn to send; a failed tick is logged, not fatal.

        One instance sends at a time (``Store.take_sending``), so Telegram's overall limit is shared, not
        multiplied; the others only wait for the turn. Whoever takes it first puts back the rows that the
        previous sender (or this one, before a crash) left mid-send, and waits one window of the overall
        limit first: the previous sender's last second, and this one's first, never add up past it.
        """
        sending = False
        while True:
            try:
                sending = await self._take_turn(sending, sleep)
                if sending:
                    await self.tick()
                else:
                    self.beat()  # waiting for the turn is this loop's work on this instance
            except Exception:
                logger.exception("outbox tick failed; trying again in %.0f s", every)
            await sleep(every)

    async def _take_turn(self, sending: bool, sleep: Callable[[float], Awaitable[None]]) -> bool:
        """Whether this instance sends now; on taking the turn, rows left mid-send are sent again."""
        if not await self.store.take_sending():
            if sending:
                logger.warning("outbox: another instance sends now")
            return False
        if not sending:
            recovered = await self.store.recover_sending()
            if recovered:
                logger.warning("outbox: %d message(s) were mid-send at the last stop; sending again", recovered)
            await sleep(WINDOW)
        return True

    async def tick(self) -> Counter[str]:
        """Send what is due now (only in working hours); how each row ended."""
        self.beat()  # each tick and each row settled say the outbox is not stuck (``goodwork health``)
        now = self.clock()
        outcomes: Counter[str] = Counter()
        if not self.hours.is_open(now):
            return outcomes
        sending: set[asyncio.Task[str]] = set()
        # finished rows, one by one (asyncio.wait over the rows in flight looked at every one of them each time)
        finished: asyncio.Queue[asyncio.Task[str]] = asyncio.Queue()
        try:
            while True:
                rows = await self.store.claim_due(now, min(self.batch - len(sending), self.chunk))
                people = await self.store.participants([row.contact for row in rows]) if rows else {}
                for row in rows:
                    task = asyncio.create_task(self.deliver(row, now, people.get(row.contact)))
                    task.add_done_callback(finished.put_nowait)
                    sending.add(task)
                # more rows are claimed as soon as a chunk of these is out, so the sender never waits for a claim;
                # with none left to claim, the rest are waited for
                while len(sending) > self.batch - self.chunk or (sending and not rows):
                    task = await finished.get()
                    sending.discard(task)
                    outcomes[_outcome(task.exception() or task.result())] += 1
                if not rows:
                    break
        except Exception:  # a claim failed: the rows already going out still go out and are settled
            for outcome in await asyncio.gather(*sending, return_exceptions=True):
                outcomes[_outcome(outcome)] += 1
            raise
        except BaseException:  # cancelled (shutting down): the rows stay mid-send until the next start
            for task in sending:
                task.cancel()
            raise
        if outcomes:
            logger.info("outbox: %s", ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())))
        return outcomes

    async def deliver(self, row: Queued, now: datetime, participant: Participant | None) -> str:
        """Send one claimed row to ``participant`` (read with the rest of its batch) and settle it; how it ended."""
        outcome = await self._deliver(row, now, participant)
        metrics.OUTBOX.labels(row.kind, outcome).inc()
        if outcome == "sent":
            metrics.SENT.labels(row.kind).inc()
        self.beat()
        return outcome

    async def _deliver(self, row: Queued, now: datetime, participant: Participant | None) -> str:
        try:
            if participant is None or not participant.active:
                await self.store.cancel_pending(row.contact)
                return "cancelled"
            if participant.paused:  # stopped meanwhile: held with the rest until /resume
                await self.store.stop(row.contact)
                return "stopped"
            if row.kind == "reminder" and self.reminders and await self.reminders.answered(row, participant):
                await self.store.mark_skipped(row.id)
                return "skipped"
            message = await self.compose(row, participant)
        except Exception as exc:  # nothing went out: try again later, as after a failed send
            result: Result = RetryAt(backoff(row.attempts), _trouble(row, "not composed", exc))
        else:
            try:
                result = await self.sender.send(message)
            except Exception as exc:  # it may have gone out
                result = Unknown(backoff(row.attempts), _trouble(row, "send failed", exc))
        return await self.settle(row, result, now)

    async def settle(self, row: Queued, result: Result, now: datetime) -> str:
        match result:
            case Sent():
                await self._sent.add(row.id)
                await self._after_sent(row)
                return "sent"
            case Blocked():
                await self.store.update_participant(row.contact, active=False)
                await self.store.cancel_pending(row.contact)
                return "blocked"
            case Rejected(reason=reason):
                await self.store.mark_failed(row.id, reason)
                return "failed"
            case RetryAt(after=after, reason=reason) | Unknown(after=after, reason=reason):
                unknown = isinstance(result, Unknown)
                counted = unknown or (isinstance(result, RetryAt) and result.counts)
                if row.attempts >= MAX_ATTEMPTS and counted:
                    await self.store.mark_failed(row.id, reason)
                    return "failed"
                # ``after`` counts from the outcome, which may come well into a long tick
                due = self.hours.next_open(max(now, self.clock()) + after)
                await self.store.mark_retry(row.id, due, reason, unknown, counted)
                return "unknown" if unknown else "retry"
        raise AssertionError(f"unexpected send result {result!r}")

    async def _mark_sent(self, rows: Sequence[int]) -> None:
        await self.store.mark_sent(rows)

    async def _after_sent(self, row: Queued) -> None:
        """A follow-up out: queue its reminder. A reminder out: the rest of the plan backs off. (Digests: nothing.)"""
        if self.reminders is None or row.kind not in ("followup", "reminder"):
            return
        if row.kind == "reminder":
            later = [
                (row_id, self.hours.next_open(due + BACK_OFF)) for row_id, due in await self.store.pending(row.contact)
            ]
            await self.store.move_pending(row.contact, later)
            return
        when = await self.reminders.due(row, self.clock())
        if when is not None:
            await self.store.queue(row.contact, row.tranche, Planned(when, row.dialogue, "reminder"))


def _trouble(row: Queued, stage: str, exc: Exception) -> str:
    """Log an unexpected error with one row by its type (its text may quote the message); the reason to store."""
    reason = f"{stage}: {type(exc).__name__}"
    logger.warning("outbox: message outbox-%d: %s", row.id, reason)
    return reason


def _outcome(outcome: str | BaseException) -> str:
    """A row's outcome; an error settling it is logged by type (never its text) and counted as ``error``."""
    if isinstance(outcome, str):
        return outcome
    if not isinstance(outcome, Exception):
        raise outcome
    logger.warning("outbox: a row could not be settled (%s); the next start sends it again", type(outcome).__name__)
    return "error"
