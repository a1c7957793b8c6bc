"""Weekly digests: when they are due, and queueing them in the durable outbox.

Each ISO week, from the moment ``GOODWORK_DIGEST`` names (Monday 09:00 by
default, local time), every participant who wants one gets a digest, each at a
stable minute within the first hours (``plan.SPREAD``) of working time: a Dutch
public holiday moves it to the next working day. Trainers get one per tranche
they follow (or every tranche, if nobody follows it). Queueing is idempotent: the
store keeps one key per person, week and subject, so a restart, a crash or the
command line never queues one twice. The outbox then sends them as it sends
follow-ups, with all of their guarantees.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import metrics
from bot.config import Weekly
from bot.schedule.calendar import WorkingHours
from bot.schedule.plan import SPREAD
from bot.store.keys import Keys, Pseudonym
from bot.store.protocol import DigestDue, Store, Tranche

logger = logging.getLogger(__name__)
EVERY = 300.0  # seconds between two looks at whether this week's digests are due
FOLLOWED_FOR = timedelta(weeks=16)  # a closed tranche's trainers hear about it this long after its course day


def iso_week(moment: datetime, tz: ZoneInfo) -> str:
    """``2026-W50``: the ISO week of ``moment`` in ``tz``."""
    return moment.astimezone(tz).strftime("%G-W%V")


def week_moment(week: str, weekly: Weekly, tz: ZoneInfo) -> datetime:
    """The moment ``weekly`` names within ``week`` (local time in ``tz``); ValueError for a malformed week."""
    try:
        year, number = week.split("-W")
        day = date.fromisocalendar(int(year), int(number), weekly.day + 1)
    except ValueError:
        raise ValueError(f"expected a week like 2026-W50, got {week!r}") from None
    return datetime.combine(day, time(weekly.hour, weekly.minute), tzinfo=tz)


@dataclass
class DigestPlanner:
    """Queues a week's digests: at their weekly moment (``run``), or at once (``queue``, for operators)."""

    store: Store
    keys: Keys
    hours: WorkingHours
    weekly: Weekly | None  # None: GOODWORK_DIGEST=off, nothing is queued by itself
    trainers: frozenset[int]  # GOODWORK_TRAINERS
    clock: Callable[[], datetime]

    async def queue(self, week: str | None = None, *, at_once: bool = False) -> tuple[int, int]:
        """Queue ``week``'s digests (this week by default) for everyone due: (participants', trainers')."""
        week = week or iso_week(self.clock(), self.hours.tz)
        start = self.clock() if at_once else week_moment(week, self.weekly or Weekly(), self.hours.tz)
        people = [DigestDue(c, self._due(start, c, at_once)) for c in await self.store.digest_due(week)]
        queued = await self.store.queue_digests(week, people)
        trainers = [DigestDue(c, self._due(start, c, at_once), t.code) for t, c in await self._followers(week)]
        followed = await self.store.queue_digests(week, trainers)
        metrics.DIGESTS_QUEUED.inc(queued + followed)
        return queued, followed

    async def run(self, every: float = EVERY, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        """From each week's digest moment on, queue what is due (people who join later that week too)."""
        while self.weekly is not None:
            week = iso_week(self.clock(), self.hours.tz)
            if self.clock() >= week_moment(week, self.weekly, self.hours.tz):
                try:
                    people, trainers = await self.queue(week)
                    if people or trainers:
                        logger.info("digests for %s: %d queued, %d for trainers", week, people, trainers)
                except Exception as exc:  # tried again at the next look
                    logger.warning("digests for %s could not be queued (%s)", week, type(exc).__name__)
            await sleep(every)

    def _due(self, start: datetime, contact: Pseudonym, at_once: bool) -> datetime:
        return start if at_once else self.hours.spread(start, contact, SPREAD)

    async def _followers(self, week: str) -> list[tuple[Tranche, Pseudonym]]:
        """Each tranche still worth a weekly summary, with each trainer who gets it."""
        everyone = sorted(
            {*(self.keys.telegram(i).contact for i in self.trainers), *await self.store.trainer_contacts()}
        )
        monday = week_moment(week, Weekly(), self.hours.tz).date()
        found = []
        for tranche in await self.store.tranches():
            if tranche.day <= monday + timedelta(days=6) and (
                not tranche.closed or tranche.day + FOLLOWED_FOR >= monday
            ):
                followers = await self.store.tranche_trainers(tranche.code) or everyone
                found += [(tranche, contact) for contact in followers]
        return found
