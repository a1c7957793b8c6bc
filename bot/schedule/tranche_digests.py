"""A trainer's weekly summary of a tranche: the figures as text, and the chart of its weeks as the photo.

Counted when it is sent (``report.gather``), shown after the *k* rule
(``report.tranche``), drawn off the event loop (``report.chart``). The caption
says the same figures as the picture, for screen readers and for people who do
not open pictures; when all of it does not fit Telegram's caption, the weekly
lines (which the chart shows) are left out first.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.dialogue.course import CourseId
from bot.report.gather import tranche_counts
from bot.report.tranche import TrancheSummary, summarise, summary_lines
from bot.schedule.courses import CourseBook
from bot.schedule.digests import iso_week
from bot.schedule.sender import Outgoing
from bot.store.catalogue import Catalogue
from bot.store.keys import Keys
from bot.store.protocol import Participant, Queued, Store
from bot.telegram.texts import known

CAPTION = 1024  # characters Telegram allows under a photo


class TrancheDigests:
    """``Compose`` for tranche-digest rows."""

    def __init__(self, store: Store, catalogue: Catalogue, keys: Keys, courses: CourseBook, k: int) -> None:
        self.store, self.catalogue, self.keys, self.courses, self.k = store, catalogue, keys, courses, k

    async def __call__(self, row: Queued, participant: Participant) -> Outgoing:
        language = known(participant.language)
        tranche = await self.store.tranche(row.tranche or "")
        if tranche is None:
            raise LookupError("the tranche of a trainer's digest is gone")
        week = row.week or iso_week(row.due, self.courses.hours.tz)
        course = self.courses.courses.get(CourseId(tranche.course))
        counts = await tranche_counts(
            self.store, self.keys, self.catalogue, tranche, course=course, week=week, language=language
        )
        summary = summarise(counts, self.k)
        from bot.report.chart import activity_chart  # matplotlib: ~50 MB, loaded only when a chart is drawn

        chart = await asyncio.to_thread(activity_chart, summary, language)
        caption = fit(summary, language)
        return Outgoing(participant.chat_id, caption, f"outbox-{row.id}", (), row.attempts, photo=chart)


def fit(summary: TrancheSummary, language: str) -> str:
    """The summary as one caption; the weekly lines (the chart shows them) go first when it is too long."""
    for shown in (summary, replace(summary, weeks=())):
        text = "\n".join(summary_lines(shown, language))
        if len(text) <= CAPTION:
            return text
    return text[: CAPTION - 1] + "…"
