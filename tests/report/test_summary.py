"""A tranche's weekly summary for its trainer: every figure after the k rule, as short lines in Dutch or English."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from bot.report.threshold import HIDDEN, Figure
from bot.report.tranche import QuestionCounts, TrancheCounts, WeekCounts, summarise, summary_lines

K = 5
DAY = date(2026, 11, 3)  # a Tuesday in 2026-W45


def counts(n: int, **changes: object) -> TrancheCounts:
    """A tranche in 2026-W47 in which every count is ``n``."""
    base = TrancheCounts(
        course="De kunst van het verbinden",
        tranche="Utrecht najaar",
        course_day=DAY,
        week="2026-W47",
        enrolled=n,
        active=n,
        followups_sent=n,
        followups_answered=n,
        sessions_completed={"Introductie": n, "Vakmanschap": n},
        choices=(QuestionCounts("Martin", "Wat moet Martin doen?", {"Herschrijven": n, "Weigeren": 0}),),
        sharers=n,
        reflections_shared=n,
        history={"2026-W45": WeekCounts(n, n, n), "2026-W46": WeekCounts(n, n, n), "2026-W47": WeekCounts(n, n, n)},
    )
    return replace(base, **changes)


def counted_numbers(lines: list[str]) -> set[int]:
    """Every number of people in the lines: not the weeks, the course day or percentages."""
    text = re.sub(r"\d{4}-W\d{2}|\(cursusdag [^)]*\)|\(course day [^)]*\)|\d+ ?%", "", "\n".join(lines))
    return {int(number) for number in re.findall(r"\d+", text)}


@pytest.mark.parametrize("n", [K - 1, K, K + 1])
def test_every_figure_shows_from_k_people_on(n: int) -> None:
    """With k-1 people behind every count nothing is a number; with k or k+1 everything is."""
    summary = summarise(counts(n), K)
    shown = n >= K
    figures = [summary.enrolled, summary.active, summary.followups_sent, summary.followups_answered, summary.sharers]
    figures += [summary.reflections_shared, *(f for _, f in summary.sessions_completed)]
    figures += [week.active for week in summary.weeks]
    assert all(f == (Figure(n) if shown else HIDDEN) for f in figures)
    rates = [summary.response, *(week.response for week in summary.weeks)]
    assert all(r == (1.0 if shown else None) for r in rates)
    assert summary.choices[0].breakdown.total == (Figure(n) if shown else HIDDEN)


@pytest.mark.parametrize("n", [K - 1, K, K + 1])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_line_holds_a_number_below_k(n: int, language: str) -> None:
    """Whatever the language, the text gives no count under k: only k itself, in "fewer than k", and larger ones."""
    numbers = counted_numbers(summary_lines(summarise(counts(n), K), language))
    assert numbers == ({n, K} if n >= K else {K})


def test_the_dutch_summary_reads_as_a_trainer_expects() -> None:
    """Enrolled 12, 4 active, 10 of 25 answered: the lines say 12, "minder dan 5" and 40 %."""
    summary = summarise(counts(12, active=4, followups_sent=25, followups_answered=10), K)
    lines = summary_lines(summary, "nl")
    assert lines[:2] == [
        "Weekoverzicht De kunst van het verbinden, groep Utrecht najaar",
        "Week 2026-W47 (cursusdag 3 nov 2026)",
    ]
    assert "Ingeschreven: 12" in lines
    assert "Actief deze week: minder dan 5" in lines
    assert "Respons op vervolgvragen: 40 %" in lines
    assert lines[-1] == "Aantallen onder de 5 tonen we niet, zodat niemand herkenbaar is."


def test_the_english_summary_says_the_same() -> None:
    """The English lines carry the same figures in English words."""
    lines = summary_lines(summarise(counts(12, active=4, followups_sent=25, followups_answered=10), K), "en")
    assert "Enrolled: 12" in lines and "Active this week: fewer than 5" in lines
    assert "Response to follow-ups: 40%" in lines


def test_a_rate_on_too_few_answers_says_so() -> None:
    """3 answers out of 10 is not shown as 30 %: the line says there are too few yet."""
    summary = summarise(counts(12, followups_sent=10, followups_answered=3), K)
    assert "Respons op vervolgvragen: nog te weinig om te tonen" in summary_lines(summary, "nl")
    assert "Response to follow-ups: too few yet to show" in summary_lines(summary, "en")


def test_a_choice_breakdown_hides_the_small_options() -> None:
    """8 rewrite, 6 talk, 1 refuses: the lone choice is not shown, nor the 6 that would give it away."""
    question = QuestionCounts("Martin", "Wat moet Martin doen?", {"Herschrijven": 8, "Praten": 6, "Weigeren": 1})
    lines = summary_lines(summarise(counts(12, choices=(question,)), K), "nl")
    at = lines.index("  Martin: Wat moet Martin doen? (15 antwoorden)")
    assert lines[at + 1 : at + 3] == [
        "    Herschrijven: 8 (53 %)",
        "    Niet apart getoond, om kleine groepen te beschermen: Praten; Weigeren (samen 7)",
    ]


def test_a_question_with_fewer_than_k_answers_gets_no_breakdown() -> None:
    """Four answers at a question: the trainer sees the question, and that too few answered."""
    question = QuestionCounts("Gratis pilot", "Wat doe je?", {"Ja": 2, "Nee": 2})
    lines = summary_lines(summarise(counts(12, choices=(question,)), K), "en")
    assert "  Gratis pilot: Wat doe je? (fewer than 5 answers, so no breakdown)" in lines
    assert not any(line.startswith("    Ja") for line in lines)


def test_reflections_are_counted_only_when_k_people_shared_them() -> None:
    """Nine reflections from four people: neither number is shown, only that fewer than k people shared."""
    summary = summarise(counts(12, sharers=4, reflections_shared=9), K)
    assert summary.reflections_shared == HIDDEN
    assert "Gedeeld voor de Community of Practice: door minder dan 5 mensen" in summary_lines(summary, "nl")
    shown = summarise(counts(12, sharers=6, reflections_shared=9), K)
    assert "Shared for the Community of Practice: 9 reflections from 6 people" in summary_lines(shown, "en")


def test_weeks_run_from_the_course_day_and_a_quiet_week_is_hidden_not_zero() -> None:
    """A week nobody was counted in still appears, as fewer than k, between the course day and this week."""
    summary = summarise(counts(12, week="2026-W48", history={"2026-W46": WeekCounts(7, 6, 5)}), K)
    assert [w.week for w in summary.weeks] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert [w.active for w in summary.weeks] == [HIDDEN, Figure(7), HIDDEN, HIDDEN]
    assert [w.response for w in summary.weeks] == [None, pytest.approx(5 / 6), None, None]
    assert "  2026-W46: actief 7, respons 83 %" in summary_lines(summary, "nl")
    assert "  2026-W45: active fewer than 5, response too few yet to show" in summary_lines(summary, "en")


def test_a_week_outside_the_course_is_refused() -> None:
    """History from before the course day points at a caller's mistake, named with the week."""
    with pytest.raises(ValueError, match="history: week '2026-W44'"):
        summarise(counts(12, history={"2026-W44": WeekCounts(5, 5, 5)}), K)


def test_a_malformed_week_is_refused() -> None:
    """The summary's week must be an ISO week such as 2026-W50."""
    with pytest.raises(ValueError, match="ISO week: '2026-50'"):
        summarise(counts(12, week="2026-50", history={}), K)


def test_an_unknown_language_is_refused() -> None:
    """Only Dutch and English are written; another language is named in the error."""
    with pytest.raises(ValueError, match="language: 'de'"):
        summary_lines(summarise(counts(12), K), "de")


def test_a_share_is_never_rounded_to_all_or_nothing() -> None:
    """199 of 200 answered reads as 99 %, not 100 %, so nobody concludes that everyone answered."""
    summary = summarise(counts(200, followups_answered=199), K)
    assert "Response to follow-ups: 99%" in summary_lines(summary, "en")
