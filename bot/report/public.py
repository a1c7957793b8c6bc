"""The public accountability report, and the same figures per tranche for trainers: one suppression for both.

- ``report_files(counts, language, k)``: ``report.csv`` and ``index.html`` as
  bytes, for ``goodwork report`` to write into its folder.
- ``tranche_lines(counts, language, k)``: per tranche, the enrolment,
  completion and response figures as the strings to show, for ``goodwork
  course list`` and ``/course``; what the report leaves out is left out here
  too (``MARKS`` and ``legend`` say how it reads).

The caller counts from the store into the dataclasses below (see
``bot.report.table``); ``bot.report.suppress`` holds the rule for what is
left out, ``sheet`` writes the CSV and ``page`` the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from bot.report import texts
from bot.report.sheet import MARKS, report_csv
from bot.report.table import (
    COMPLETED,
    COMPLETION,
    ENROLLED,
    RESPONSE,
    Cell,
    CourseTally,
    Period,
    PlannedTranche,
    Published,
    Replies,
    ReportCounts,
    TrancheTally,
    WeekTally,
    followups_of,
    publish,
    rate_parts,
    sessions_of,
)

__all__ = [
    "MARKS",
    "CourseTally",
    "Period",
    "PlannedTranche",
    "Replies",
    "ReportCounts",
    "TrancheLine",
    "TrancheTally",
    "WeekTally",
    "legend",
    "publish",
    "report_files",
    "tranche_lines",
]


def report_files(counts: ReportCounts, language: str, k: int) -> dict[str, bytes]:
    """``{"report.csv": ..., "index.html": ...}`` for ``counts`` in ``language`` with threshold ``k``."""
    from bot.report.page import report_page  # draws a chart: imports matplotlib, which takes a while

    published = publish(counts, k)
    return {"report.csv": report_csv(published, language), "index.html": report_page(published, language)}


@dataclass(frozen=True, slots=True)
class TrancheLine:
    """One tranche's figures as shown: each a number, or a mark from ``MARKS`` where it is left out.

    ``completed`` pairs each toolkit session's title with "18 (78%)";
    ``followups`` each follow-up's title with "12/20 (60%)" (answered of
    sent). ``figures`` is completion and response on one line (empty when the
    course has neither), for a listing that shows enrolment its own way;
    ``hidden`` says whether it holds a mark (then show ``legend``); ``text``
    is all of it, enrolment first, on one line.
    """

    course: str
    tranche: str
    course_day: date
    enrolled: str
    completed: tuple[tuple[str, str], ...]
    followups: tuple[tuple[str, str], ...]
    figures: str
    hidden: bool
    text: str


def tranche_lines(counts: ReportCounts, language: str, k: int) -> tuple[TrancheLine, ...]:
    """Per tranche with figures, in the order of ``counts``, what the report shows of it, in ``language``."""
    published = publish(counts, k)
    texts.check_language(language)
    lines = []
    for course in counts.courses:
        titles = sessions_of(course), followups_of(course)
        lines += [_line(published, course.title, tranche, titles, language) for tranche in course.tranches]
    return tuple(lines)


def legend(language: str, k: int) -> str:
    """What the marks mean: "–: fewer than 5 people · –*: left out so that a small group cannot be worked out"."""
    return " · ".join(texts.say(key, language, k=k) for key in ("legend_small", "legend_guard"))


def _line(
    published: Published,
    course: str,
    tranche: TrancheTally,
    titles: tuple[tuple[str, ...], tuple[str, ...]],
    language: str,
) -> TrancheLine:
    cell, (sessions, followups) = partial(Cell, course, tranche.name), titles
    enrolled = _count(published, cell(measure=ENROLLED))
    completed = tuple((s, _completed(published, cell(s, measure=COMPLETED), language)) for s in sessions)
    replies = tuple((f, _replies(published, cell(f, measure=RESPONSE), language)) for f in followups)
    say = partial(texts.say, language=language)
    items = [say("line_completed", items=", ".join(f"{t} {v}" for t, v in completed))] if completed else []
    items += [say("line_followups", items=", ".join(f"{t} {v}" for t, v in replies))] if replies else []
    figures = " · ".join(items)
    hidden = any(mark in value for _, value in (*completed, *replies) for mark in MARKS.values())
    text = " · ".join([say("line_enrolled", value=enrolled), *items])
    return TrancheLine(course, tranche.name, tranche.course_day, enrolled, completed, replies, figures, hidden, text)


def _count(published: Published, cell: Cell) -> str:
    value = published.count(cell)
    return MARKS[published.hidden[cell]] if value is None else str(value)


def _share(published: Published, rate: Cell, language: str) -> str:
    share = published.rate(*rate_parts(rate))
    return "" if share is None else f" ({texts.percent(share, language)})"


def _completed(published: Published, cell: Cell, language: str) -> str:
    rate = Cell(cell.course, cell.tranche, cell.dialogue, measure=COMPLETION)
    return _count(published, cell) + _share(published, rate, language)


def _replies(published: Published, rate: Cell, language: str) -> str:
    answered, sent = rate_parts(rate)
    return f"{_count(published, answered)}/{_count(published, sent)}{_share(published, rate, language)}"
