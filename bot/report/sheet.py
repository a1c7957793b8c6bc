"""``report.csv``: every figure of the published report on a row of its own.

UTF-8, comma-separated, with the header ``course,tranche,dialogue,week,
measure,value,note`` and the row order of the page. A count is a whole number;
a rate carries two decimals (``0.40``); a left-out figure has an empty value
and a note saying why ("fewer than 5", or that it is left out so that a small
group cannot be worked out), in the report's language. Where a row stands is
told in ``bot.report.table``. Beyond the course, tranche and dialogue titles
nothing is written but measure names and numbers.

A title that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading apostrophe, so that a spreadsheet shows it as text
rather than running it as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import lru_cache
from typing import Final

from bot.report import texts
from bot.report.suppress import Hidden
from bot.report.table import (
    ACTIVE,
    ANSWERED,
    COMPLETED,
    COMPLETION,
    ENROLLED,
    HELD,
    NEW,
    PLANNED,
    RESPONSE,
    SENT,
    Cell,
    CourseTally,
    Published,
    followups_of,
    held,
    rate_parts,
    report_weeks,
    sessions_of,
)

HEADER: Final = ("course", "tranche", "dialogue", "week", "measure", "value", "note")
_FORMULA: Final = ("=", "+", "-", "@", "\t", "\r")
MARKS: Final = {Hidden.SMALL: "–", Hidden.GUARD: "–*"}  # how a left-out figure reads on a page or a screen
Row = tuple[str, str, str, str, str, str, str]


def report_csv(published: Published, language: str) -> bytes:
    """The report as CSV bytes (UTF-8, no byte-order mark, lines ending in CRLF as RFC 4180 has them)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(report_rows(published, texts.check_language(language)))
    return buffer.getvalue().encode("utf-8")


def report_rows(published: Published, language: str) -> Iterator[Row]:
    """Every row after the header: per course and tranche, then all courses, then the weeks."""
    for course in published.counts.courses:
        yield from _course_rows(published, course, language)
    yield _count(published, Cell(measure=ENROLLED), language)
    for week in report_weeks(published.counts):
        for measure in (ACTIVE, NEW, SENT, ANSWERED):
            yield _count(published, Cell(week=week, measure=measure), language)
        yield _rate(published, Cell(week=week, measure=RESPONSE), language)


def _course_rows(published: Published, course: CourseTally, language: str) -> Iterator[Row]:
    yield _plain(Cell(course.title, measure=PLANNED), len(course.planned))
    yield _plain(Cell(course.title, measure=HELD), held(course, published.counts.period))
    if not course.tranches:
        return
    sessions, followups = sessions_of(course), followups_of(course)
    for row in (*(tranche.name for tranche in course.tranches), ""):
        yield _count(published, Cell(course.title, row, measure=ENROLLED), language)
        for session in sessions:
            yield _count(published, Cell(course.title, row, session, measure=COMPLETED), language)
            yield _rate(published, Cell(course.title, row, session, measure=COMPLETION), language)
        for title in followups:
            yield _count(published, Cell(course.title, row, title, measure=SENT), language)
            yield _count(published, Cell(course.title, row, title, measure=ANSWERED), language)
            yield _rate(published, Cell(course.title, row, title, measure=RESPONSE), language)


@lru_cache(maxsize=64)
def note(gap: Hidden | None, language: str, k: int) -> str:
    """Why a figure is left out, in ``language``; empty when it is shown (remembered: asked once per figure)."""
    if gap is None:
        return ""
    return texts.say("fewer", language, k=k) if gap is Hidden.SMALL else texts.say("gap_guard", language)


def _count(published: Published, cell: Cell, language: str) -> Row:
    value = published.count(cell)
    return _row(cell, "" if value is None else str(value), note(published.gap(cell), language, published.k))


def _rate(published: Published, cell: Cell, language: str) -> Row:
    part, whole = rate_parts(cell)
    share = published.rate(part, whole)
    value = "" if share is None else f"{share:.2f}"
    return _row(cell, value, note(published.rate_gap(part, whole), language, published.k))


def _plain(cell: Cell, value: int) -> Row:
    return _row(cell, str(value), "")


def _row(cell: Cell, value: str, why: str) -> Row:
    course, tranche, dialogue, week, measure = cell
    return _text(course), _text(tranche), _text(dialogue), week, measure, value, why


def _text(title: str) -> str:
    return f"'{title}" if title.startswith(_FORMULA) else title
