"""A course tranche's weekly summary for its trainer: the counts in, figures after the *k* rule out.

The caller gathers ``TrancheCounts`` from the store (every count is of people,
each person at most once per figure) and gets a ``TrancheSummary`` in which
nothing below *k* is left as a number; ``summary_lines`` says it in Dutch or
English, and ``bot.report.chart`` draws its weeks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial

from bot.report import texts
from bot.report.threshold import HIDDEN, Breakdown, Figure, breakdown, check_k, figure, rate
from bot.report.weeks import monday, weeks_from


@dataclass(frozen=True, slots=True)
class WeekCounts:
    """One ISO week of a tranche, in people: active, sent a follow-up that week, and of those, answered it."""

    active: int = 0
    followups_sent: int = 0
    followups_answered: int = 0


@dataclass(frozen=True, slots=True)
class QuestionCounts:
    """How the tranche's people chose at one question of a dialogue with ``peers: true``.

    ``options`` maps each option's label to the people whose latest choice it
    is, in the dialogue's order; titles and labels in the summary's language.
    """

    dialogue: str
    question: str
    options: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class TrancheCounts:
    """What the store counted for one tranche, up to and including ISO ``week`` (such as "2026-W50").

    Follow-ups count people since the course day: sent at least one, and of
    those, answered at least one. ``sessions_completed`` maps each toolkit
    session's title to the people who finished it; ``sharers`` is how many
    distinct people shared ``reflections_shared`` reflections for the Community
    of Practice; ``history`` holds the weeks from the course day's week to
    ``week`` (a week left out counts as nobody).
    """

    course: str
    tranche: str
    course_day: date
    week: str
    enrolled: int
    active: int
    followups_sent: int
    followups_answered: int
    sessions_completed: Mapping[str, int]
    choices: tuple[QuestionCounts, ...]
    sharers: int
    reflections_shared: int
    history: Mapping[str, WeekCounts]


@dataclass(frozen=True, slots=True)
class WeekFigures:
    """One week of the chart: people active, and the response to that week's follow-ups, after the *k* rule."""

    week: str
    active: Figure
    response: float | None


@dataclass(frozen=True, slots=True)
class QuestionFigures:
    """One question's breakdown after the *k* rule."""

    dialogue: str
    question: str
    breakdown: Breakdown


@dataclass(frozen=True, slots=True)
class TrancheSummary:
    """A tranche's week after the *k* rule: every ``Figure`` is hidden below ``k``, every rate None."""

    course: str
    tranche: str
    course_day: date
    week: str
    k: int
    enrolled: Figure
    active: Figure
    followups_sent: Figure
    followups_answered: Figure
    response: float | None
    sessions_completed: tuple[tuple[str, Figure], ...]
    choices: tuple[QuestionFigures, ...]
    sharers: Figure
    reflections_shared: Figure
    weeks: tuple[WeekFigures, ...]


def summarise(counts: TrancheCounts, k: int) -> TrancheSummary:
    """The figures of ``counts`` that may be shown with threshold ``k``; the rest hidden."""
    check_k(k)
    sharers = figure(counts.sharers, k)
    if counts.reflections_shared < counts.sharers:
        raise ValueError(f"reflections_shared: {counts.reflections_shared!r} is fewer than sharers {counts.sharers!r}")
    return TrancheSummary(
        course=counts.course,
        tranche=counts.tranche,
        course_day=counts.course_day,
        week=counts.week,
        k=k,
        enrolled=figure(counts.enrolled, k),
        active=figure(counts.active, k),
        followups_sent=figure(counts.followups_sent, k),
        followups_answered=figure(counts.followups_answered, k),
        response=rate(counts.followups_answered, counts.followups_sent, k),
        sessions_completed=tuple((name, figure(n, k)) for name, n in counts.sessions_completed.items()),
        choices=tuple(QuestionFigures(q.dialogue, q.question, breakdown(q.options, k)) for q in counts.choices),
        sharers=sharers,
        reflections_shared=figure(counts.reflections_shared, k) if sharers.shown else HIDDEN,
        weeks=_weeks(counts, k),
    )


def _weeks(counts: TrancheCounts, k: int) -> tuple[WeekFigures, ...]:
    weeks = weeks_from(counts.course_day, counts.week)
    strays = sorted(set(counts.history) - set(weeks), key=monday)
    if strays:
        raise ValueError(f"history: week {strays[0]!r} is outside the course day's week to {counts.week!r}")
    return tuple(_week(week, counts.history.get(week, WeekCounts()), k) for week in weeks)


def _week(week: str, counts: WeekCounts, k: int) -> WeekFigures:
    response = rate(counts.followups_answered, counts.followups_sent, k)
    return WeekFigures(week, figure(counts.active, k), response)


def summary_lines(summary: TrancheSummary, language: str) -> list[str]:
    """The summary as short plain-text lines in ``language`` ("nl" or "en"), the same figures as the chart."""
    say, k = partial(texts.say, language=texts.check_language(language)), summary.k
    lines = [
        say("title", course=summary.course, tranche=summary.tranche),
        say("week", week=summary.week, day=texts.day(summary.course_day, language)),
        *(say(key, value=texts.count(value, language, k)) for key, value in _counts(summary)),
        say("response", value=texts.percent(summary.response, language)),
    ]
    if summary.sessions_completed:
        lines.append(say("sessions"))
        lines += [say("item", name=n, value=texts.count(f, language, k)) for n, f in summary.sessions_completed]
    if summary.choices:
        lines.append(say("choices"))
        lines += [line for question in summary.choices for line in _question_lines(question, language, k)]
    lines.append(_shared_line(summary, language))
    if summary.weeks:
        lines.append(say("weeks"))
        lines += [_week_line(week, language, k) for week in summary.weeks]
    return [*lines, say("k_note", k=k)]


def _counts(summary: TrancheSummary) -> tuple[tuple[str, Figure], ...]:
    return (
        ("enrolled", summary.enrolled),
        ("active", summary.active),
        ("followups_sent", summary.followups_sent),
        ("followups_answered", summary.followups_answered),
    )


def _question_lines(question: QuestionFigures, language: str, k: int) -> list[str]:
    shown = question.breakdown
    if shown.total.value is None:
        return [texts.say("question_hidden", language, dialogue=question.dialogue, question=question.question, k=k)]
    lines = [
        texts.say("question", language, dialogue=question.dialogue, question=question.question, total=shown.total.value)
    ]
    lines += [
        texts.say("part", language, label=part.label, count=part.count, share=texts.percent(part.share, language))
        for part in shown.shown
    ]
    if shown.others:
        labels, value = "; ".join(shown.others), shown.others_total.value
        key = "others" if value is None or not shown.shown else "others_total"
        lines.append(texts.say(key, language, labels=labels, value=value))
    return lines


def _shared_line(summary: TrancheSummary, language: str) -> str:
    if summary.sharers.value is None or summary.reflections_shared.value is None:
        return texts.say("shared_hidden", language, k=summary.k)
    return texts.say("shared", language, reflections=summary.reflections_shared.value, people=summary.sharers.value)


def _week_line(week: WeekFigures, language: str, k: int) -> str:
    active, response = texts.count(week.active, language, k), texts.percent(week.response, language)
    return texts.say("week_line", language, week=week.week, active=active, response=response)
