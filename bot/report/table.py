"""The public report's figures: what the caller counted in, every figure as a cell, and what is left out.

The caller (``goodwork report``) counts from the store into a ``ReportCounts``
(every count is of people); ``publish`` lays each figure out as a ``Cell``,
ties the cells together with the sums and facts a reader knows, and leaves out
what ``bot.report.suppress`` says, once for every table of the report: the
CSV (``sheet``), the page (``page``) and the per-tranche lines of ``goodwork
course list`` and ``/course`` (``public.tranche_lines``) all read the same
``Published``.

Where a cell stands, as the CSV's first five columns say it: a tranche's own
figure names its course and tranche; an empty tranche is the course's total
(the sum of its tranches); an empty course is all courses together; a week is
a row of the trend across all courses. ``dialogue`` holds a toolkit session's
title for ``completed``, a follow-up's title for ``followup_sent`` and
``followup_answered``.

The sums a reader can check: each course total is the sum of its tranches,
for every measure; the enrolment of all courses is the sum of the course
totals, and when the new enrolments per week add up to the same number, that
sum is known too. The facts: completed <= enrolled, sent <= enrolled,
answered <= sent, in every row; answered <= sent in every week.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final, NamedTuple

from bot.report.suppress import AtMost, Hidden, Sum, suppress
from bot.report.threshold import check_k
from bot.report.weeks import monday, week_of, weeks_from

ENROLLED: Final = "enrolled"
COMPLETED: Final = "completed"
COMPLETION: Final = "completion_rate"
SENT: Final = "followup_sent"
ANSWERED: Final = "followup_answered"
RESPONSE: Final = "response_rate"
ACTIVE: Final = "active"
NEW: Final = "enrolled_new"
PLANNED: Final = "tranches_planned"
HELD: Final = "tranches_held"
RATES: Final = {COMPLETION: (COMPLETED, ENROLLED), RESPONSE: (ANSWERED, SENT)}  # rate: (part, whole)


@dataclass(frozen=True, slots=True)
class Period:
    """The days the report covers, both included."""

    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Replies:
    """One follow-up in one tranche: people sent it, and of those, people who answered it."""

    sent: int
    answered: int


@dataclass(frozen=True, slots=True)
class PlannedTranche:
    """A tranche opened for a course, with its course day; held once that day is in or before the period."""

    name: str
    course_day: date


@dataclass(frozen=True, slots=True)
class TrancheTally:
    """One tranche's people: enrolled by its course link, who finished each toolkit session, who got each follow-up.

    ``completed`` maps a session's title to the people of the tranche who
    finished it; ``followups`` maps a follow-up's title to ``Replies``. A title
    another tranche of the course has and this one lacks counts as nobody.
    """

    name: str
    course_day: date
    enrolled: int
    completed: Mapping[str, int]
    followups: Mapping[str, Replies]


@dataclass(frozen=True, slots=True)
class CourseTally:
    """A course: its title, every tranche opened for it (``planned``), and the figures of some (``tranches``)."""

    title: str
    planned: tuple[PlannedTranche, ...]
    tranches: tuple[TrancheTally, ...]


@dataclass(frozen=True, slots=True)
class WeekTally:
    """One ISO week across all courses, in people: active, newly enrolled, sent a follow-up, and of those answered."""

    active: int = 0
    enrolled: int = 0
    followups_sent: int = 0
    followups_answered: int = 0


@dataclass(frozen=True, slots=True)
class ReportCounts:
    """Everything the report counts. ``weeks`` maps ISO weeks of the period to counts; a week left out is nobody."""

    period: Period
    courses: tuple[CourseTally, ...]
    weeks: Mapping[str, WeekTally]


class Cell(NamedTuple):
    """Where a figure stands: the CSV's first five columns (empty where they do not apply).

    A named tuple rather than a dataclass: a report at 100,000 people looks up
    cells by the hundred thousand, and a tuple hashes and compares in C.
    """

    course: str = ""
    tranche: str = ""
    dialogue: str = ""
    week: str = ""
    measure: str = ""


@dataclass(frozen=True, slots=True)
class Published:
    """The report after suppression: ``count`` gives a shown figure, ``gap`` why one is left out.

    ``values`` holds every count, the hidden ones too: read it only through
    ``count`` and ``rate`` (it is left out of ``repr`` so no log shows it).
    """

    counts: ReportCounts = field(repr=False)
    k: int
    values: Mapping[Cell, int] = field(repr=False)
    hidden: Mapping[Cell, Hidden]

    def count(self, cell: Cell) -> int | None:
        """The figure of ``cell``, or None when it is left out."""
        return None if cell in self.hidden else self.values[cell]

    def gap(self, cell: Cell) -> Hidden | None:
        """Why ``cell`` is left out (None when it is shown)."""
        return self.hidden.get(cell)

    def rate(self, part: Cell, whole: Cell) -> float | None:
        """``part / whole`` when both are shown (and so at least k), else None."""
        shown, of = self.count(part), self.count(whole)
        return None if shown is None or of is None else shown / of

    def rate_gap(self, part: Cell, whole: Cell) -> Hidden | None:
        """Why a rate is left out: SMALL when its part or whole is under k, GUARD when one is left out to guard."""
        gaps = {self.gap(part), self.gap(whole)} - {None}
        return Hidden.SMALL if Hidden.SMALL in gaps else (Hidden.GUARD if gaps else None)


def publish(counts: ReportCounts, k: int) -> Published:
    """Every figure of ``counts`` with what threshold ``k`` and complementary suppression leave out."""
    _check(counts)
    values: dict[Cell, int] = {}
    sums: list[Sum[Cell]] = []
    facts: list[AtMost[Cell]] = []
    for course in counts.courses:
        _lay_course(course, values, sums, facts)
    totals = [Cell(course.title, measure=ENROLLED) for course in counts.courses if course.tranches]
    everyone = Cell(measure=ENROLLED)
    values[everyone] = sum(values[total] for total in totals)
    sums.append(Sum(everyone, tuple(totals)))
    _lay_weeks(counts, values, sums, facts)
    return Published(counts, k, values, suppress(values, sums, facts, check_k(k)))


def sessions_of(course: CourseTally) -> tuple[str, ...]:
    """The toolkit sessions any tranche of ``course`` counted, in the order they first appear."""
    return tuple(dict.fromkeys(title for t in course.tranches for title in t.completed))


def followups_of(course: CourseTally) -> tuple[str, ...]:
    """The follow-ups any tranche of ``course`` counted, in the order they first appear."""
    return tuple(dict.fromkeys(title for t in course.tranches for title in t.followups))


def report_weeks(counts: ReportCounts) -> tuple[str, ...]:
    """The ISO weeks of the period, in order."""
    return weeks_from(counts.period.start, week_of(counts.period.end))


def rate_parts(cell: Cell) -> tuple[Cell, Cell]:
    """The part and the whole of a rate's cell (measure ``completion_rate`` or ``response_rate``)."""
    part, whole = RATES[cell.measure]
    course, tranche, dialogue, week, _ = cell
    return Cell(course, tranche, dialogue, week, part), Cell(
        course, tranche, "" if whole == ENROLLED else dialogue, week, whole
    )


def held(course: CourseTally, period: Period) -> int:
    """How many of the course's planned tranches had their course day by the end of the period."""
    return sum(1 for planned in course.planned if planned.course_day <= period.end)


def _columns(course: CourseTally) -> list[tuple[str, str]]:
    """Each figure of a tranche as (dialogue, measure): enrolled, each session completed, each follow-up's replies."""
    followups = [(title, measure) for title in followups_of(course) for measure in (SENT, ANSWERED)]
    return [("", ENROLLED), *((session, COMPLETED) for session in sessions_of(course)), *followups]


def _read(tranche: TrancheTally, dialogue: str, measure: str) -> int:
    if measure == ENROLLED:
        return tranche.enrolled
    if measure == COMPLETED:
        return tranche.completed.get(dialogue, 0)
    replies = tranche.followups.get(dialogue, Replies(0, 0))
    return replies.sent if measure == SENT else replies.answered


def _lay_course(course: CourseTally, values: dict[Cell, int], sums: list[Sum[Cell]], facts: list[AtMost[Cell]]) -> None:
    if not course.tranches:
        return  # planned only: no figures yet, so no total either
    columns = _columns(course)
    for tranche in course.tranches:
        for dialogue, measure in columns:
            values[Cell(course.title, tranche.name, dialogue, "", measure)] = _read(tranche, dialogue, measure)
    for dialogue, measure in columns:
        parts = tuple(Cell(course.title, t.name, dialogue, "", measure) for t in course.tranches)
        total = Cell(course.title, "", dialogue, "", measure)
        values[total] = sum(values[part] for part in parts)
        sums.append(Sum(total, parts))
    for row in (*(t.name for t in course.tranches), ""):
        facts.extend(_row_facts(course.title, row, columns))


def _row_facts(course: str, row: str, columns: Iterable[tuple[str, str]]) -> Iterator[AtMost[Cell]]:
    enrolled = Cell(course, row, "", "", ENROLLED)
    for dialogue, measure in columns:
        cell = Cell(course, row, dialogue, "", measure)
        if measure in (COMPLETED, SENT):
            yield AtMost(cell, enrolled)
        if measure == ANSWERED:
            yield AtMost(cell, Cell(course, row, dialogue, "", SENT))


def _lay_weeks(counts: ReportCounts, values: dict[Cell, int], sums: list[Sum[Cell]], facts: list[AtMost[Cell]]) -> None:
    new = []
    for week in report_weeks(counts):
        tally = counts.weeks.get(week, WeekTally())
        measures = {ACTIVE: tally.active, NEW: tally.enrolled, SENT: tally.followups_sent}
        for measure, value in (*measures.items(), (ANSWERED, tally.followups_answered)):
            values[Cell(week=week, measure=measure)] = value
        facts.append(AtMost(Cell(week=week, measure=ANSWERED), Cell(week=week, measure=SENT)))
        new.append(Cell(week=week, measure=NEW))
    everyone = Cell(measure=ENROLLED)
    if sum(values[cell] for cell in new) == values[everyone]:  # then a reader can add them up to a shown total
        sums.append(Sum(everyone, tuple(new)))


def _check(counts: ReportCounts) -> None:
    if counts.period.end < counts.period.start:
        raise ValueError(f"period: ends {counts.period.end} before it starts {counts.period.start}")
    _unique("course", [course.title for course in counts.courses])
    for course in counts.courses:
        _check_course(course)
    weeks = set(report_weeks(counts))
    strays = sorted(set(counts.weeks) - weeks, key=monday)
    if strays:
        raise ValueError(f"weeks: {strays[0]!r} is outside the period {counts.period.start} to {counts.period.end}")
    for week, tally in counts.weeks.items():
        _check_part(f"week {week}: answered", tally.followups_answered, "sent", tally.followups_sent)


def _check_course(course: CourseTally) -> None:
    _unique(f"course {course.title!r}: planned tranche", [planned.name for planned in course.planned])
    _unique(f"course {course.title!r}: tranche", [tranche.name for tranche in course.tranches])
    planned = {planned.name for planned in course.planned}
    for tranche in course.tranches:
        where = f"course {course.title!r}, tranche {tranche.name!r}"
        if tranche.name not in planned:
            raise ValueError(f"{where}: has figures but is not among the course's planned tranches")
        for title, done in tranche.completed.items():
            _check_part(f"{where}: completed {title!r}", done, "enrolled", tranche.enrolled)
        for title, replies in tranche.followups.items():
            _check_part(f"{where}: answered {title!r}", replies.answered, "sent", replies.sent)


def _check_part(what: str, part: int, whole_name: str, whole: int) -> None:
    if part > whole:
        raise ValueError(f"{what}: {part!r} people, more than the {whole!r} {whole_name}")


def _unique(what: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if not name:
            raise ValueError(f"{what}: an empty name (an empty field means a total in the report)")
        if name in seen:
            raise ValueError(f"{what}: {name!r} appears twice")
        seen.add(name)
