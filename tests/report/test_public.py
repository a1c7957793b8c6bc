"""The public report: one CSV row per figure, nothing under k, and nothing hidden that can be worked back."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date

import pytest
from disclosure import known, pinned, read_sheet, small_groups
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.report.public import (
    CourseTally,
    Period,
    PlannedTranche,
    Replies,
    ReportCounts,
    TrancheTally,
    WeekTally,
    legend,
    publish,
    tranche_lines,
)
from bot.report.sheet import report_csv
from bot.report.suppress import Hidden

K = 5
COURSE = "De kunst van het verbinden"
INTRO, CRAFT = "Introductie", "Vakmanschap"
TWO_DAYS = "Na twee dagen"
PERIOD = Period(date(2026, 9, 1), date(2026, 11, 15))
GUARD_NOTE = "suppressed so that a small group cannot be worked out"


def tranche(name: str, day: date, enrolled: int, completed: tuple[int, int], replies: tuple[int, int]) -> TrancheTally:
    """A tranche: enrolled, completed (introduction, craftsmanship), follow-up replies (sent, answered)."""
    intro, craft = completed
    return TrancheTally(name, day, enrolled, {INTRO: intro, CRAFT: craft}, {TWO_DAYS: Replies(*replies)})


TRANCHES = (
    tranche("Utrecht", date(2026, 9, 15), 21, (18, 12), (21, 14)),
    tranche("Den Haag", date(2026, 10, 6), 9, (7, 3), (9, 6)),
    tranche("Zwolle", date(2026, 11, 3), 3, (2, 0), (3, 1)),
)
PLANNED = (
    *(PlannedTranche(t.name, t.course_day) for t in TRANCHES),
    PlannedTranche("Groningen", date(2027, 1, 12)),
)
WEEKS = {
    "2026-W38": WeekTally(20, 21, 0, 0),
    "2026-W41": WeekTally(15, 9, 21, 14),
    "2026-W45": WeekTally(8, 3, 12, 7),
}
COUNTS = ReportCounts(PERIOD, (CourseTally(COURSE, PLANNED, TRANCHES),), WEEKS)


def rows(data: bytes) -> list[list[str]]:
    """The CSV's rows, header first."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def figures(data: bytes) -> dict[tuple[str, ...], tuple[str, str]]:
    """(course, tranche, dialogue, week, measure) -> (value, note)."""
    return {tuple(row[:5]): (row[5], row[6]) for row in rows(data)[1:]}


def enrolment(enrolled: list[int]) -> ReportCounts:
    """One course whose tranches have these enrolments, and nothing else counted."""
    days = [date(2026, 9, 1 + 7 * n) for n in range(len(enrolled))]
    tallies = tuple(TrancheTally(f"T{n}", days[n], e, {}, {}) for n, e in enumerate(enrolled))
    planned = tuple(PlannedTranche(t.name, t.course_day) for t in tallies)
    return ReportCounts(PERIOD, (CourseTally(COURSE, planned, tallies),), {})


def test_the_csv_has_its_header_and_one_row_per_figure() -> None:
    """The header as the issue gives it; planned and held tranches, each tranche, the course, all courses, weeks."""
    data = report_csv(publish(COUNTS, K), "en")
    table = rows(data)
    assert table[0] == ["course", "tranche", "dialogue", "week", "measure", "value", "note"]
    assert all(len(row) == 7 for row in table)
    got = figures(data)
    assert got[COURSE, "", "", "", "tranches_planned"] == ("4", "")
    assert got[COURSE, "", "", "", "tranches_held"] == ("3", "")
    assert got[COURSE, "Utrecht", "", "", "enrolled"] == ("21", "")
    assert got[COURSE, "Utrecht", INTRO, "", "completion_rate"] == ("0.86", "")
    assert got[COURSE, "", TWO_DAYS, "", "followup_answered"] == ("21", "")
    assert got["", "", "", "", "enrolled"] == ("33", "")
    assert got["", "", "", "2026-W41", "response_rate"] == ("0.67", "")
    assert len([week for week in got if week[3]]) == 11 * 5  # 2026-W36 to 2026-W46, five figures each


def test_counts_are_whole_and_rates_carry_two_decimals() -> None:
    """A count reads 21, a rate 0.40 or 1.00 (with its decimal point), never 0.4 or 1."""
    everyone = TrancheTally("Alle", date(2026, 9, 15), 10, {INTRO: 10, CRAFT: 5}, {TWO_DAYS: Replies(10, 5)})
    counts = ReportCounts(
        PERIOD, (CourseTally(COURSE, (PlannedTranche("Alle", everyone.course_day),), (everyone,)),), {}
    )
    got = figures(report_csv(publish(counts, K), "en"))
    assert got[COURSE, "Alle", INTRO, "", "completion_rate"] == ("1.00", "")
    assert got[COURSE, "Alle", CRAFT, "", "completion_rate"] == ("0.50", "")
    for (*_, measure), (value, _) in got.items():
        if value:
            pattern = r"\d\.\d\d" if measure.endswith("_rate") else r"\d+"
            assert re.fullmatch(pattern, value), (measure, value)


def test_a_small_tranche_takes_a_second_cell_with_it_in_the_csv() -> None:
    """3 next to 7 and 9 under 19: the 3 reads "fewer than 5", the 7 is left out with the other note."""
    got = figures(report_csv(publish(enrolment([3, 7, 9]), K), "en"))
    assert got[COURSE, "T0", "", "", "enrolled"] == ("", "fewer than 5")
    assert got[COURSE, "T1", "", "", "enrolled"] == ("", GUARD_NOTE)
    assert got[COURSE, "T2", "", "", "enrolled"] == ("9", "")
    assert got[COURSE, "", "", "", "enrolled"] == ("19", "")


def test_no_hidden_figure_of_the_example_can_be_worked_out() -> None:
    """The reader's every sum, difference, bound and rate leaves each hidden figure more than one value."""
    sheet = read_sheet(report_csv(publish(COUNTS, K), "en"))
    rules = known(sheet, weeks_add_up=True)
    assert sheet.hidden and pinned(sheet, rules, K) == {} and small_groups(sheet, rules, K) == []


def test_only_the_small_cells_left_out_would_leak() -> None:
    """The same report with only the cells under k left out gives figures away: what the guards are for."""
    published = publish(COUNTS, K)
    naive = replace(published, hidden={c: why for c, why in published.hidden.items() if why is Hidden.SMALL})
    sheet = read_sheet(report_csv(naive, "en"))
    leaked = pinned(sheet, known(sheet, weeks_add_up=True), K)
    assert leaked[COURSE, "Zwolle", "", "", "enrolled"] == 3


def test_a_completion_next_to_its_enrolment_is_guarded_too() -> None:
    """Everyone of a tranche completed: the shown completion bounds a guarded enrolment, which must not pin it."""
    new = TrancheTally("Nieuw", date(2026, 11, 3), 0, {INTRO: 0}, {})
    full = TrancheTally("Vol", date(2026, 10, 6), 6, {INTRO: 6}, {})
    big = TrancheTally("Groot", date(2026, 9, 15), 20, {INTRO: 5}, {})
    tallies = (big, full, new)
    planned = tuple(PlannedTranche(t.name, t.course_day) for t in tallies)
    sheet = read_sheet(report_csv(publish(ReportCounts(PERIOD, (CourseTally(COURSE, planned, tallies),), {}), K), "en"))
    rules = known(sheet, weeks_add_up=False)
    assert (COURSE, "Nieuw", "", "", "enrolled") in sheet.hidden
    assert pinned(sheet, rules, K) == {} and small_groups(sheet, rules, K) == []


def test_a_rate_is_left_out_with_its_part_or_its_whole() -> None:
    """Den Haag's 7 of 9 completed: its enrolment is guarded, so no share is given, with the guard's note."""
    got = figures(report_csv(publish(COUNTS, K), "en"))
    assert got[COURSE, "Den Haag", "", "", "enrolled"] == ("", GUARD_NOTE)
    assert got[COURSE, "Den Haag", INTRO, "", "completion_rate"] == ("", GUARD_NOTE)
    assert got[COURSE, "Zwolle", INTRO, "", "completion_rate"] == ("", "fewer than 5")


def test_notes_follow_the_language() -> None:
    """In a Dutch report the notes are Dutch; header and measure names stay as they are."""
    data = report_csv(publish(COUNTS, K), "nl")
    got = figures(data)
    assert got[COURSE, "Zwolle", "", "", "enrolled"] == ("", "minder dan 5")
    assert got[COURSE, "Den Haag", "", "", "enrolled"] == ("", "weggelaten zodat een kleine groep niet te herleiden is")
    assert rows(data)[0][0] == "course"


def test_the_csv_holds_nothing_but_titles_measures_and_numbers() -> None:
    """Every field is a known title, week, measure, number or note: no identifier or free text slips in."""
    data = report_csv(publish(COUNTS, K), "en")
    titles = {"", COURSE, INTRO, CRAFT, TWO_DAYS, *(t.name for t in TRANCHES)}
    notes = {"", "fewer than 5", GUARD_NOTE}
    for course, name, dialogue, week, measure, value, note in rows(data)[1:]:
        assert {course, name, dialogue} <= titles and note in notes
        assert re.fullmatch(r"(\d{4}-W\d{2})?", week) and re.fullmatch(r"[a-z_]+", measure)
        assert re.fullmatch(r"(\d+(\.\d\d)?)?", value)


def test_a_title_that_looks_like_a_formula_is_kept_as_text() -> None:
    """A tranche named "=1+1" starts with an apostrophe in the CSV, so a spreadsheet does not compute it."""
    odd = TrancheTally("=1+1", date(2026, 9, 15), 8, {}, {})
    counts = ReportCounts(PERIOD, (CourseTally(COURSE, (PlannedTranche("=1+1", odd.course_day),), (odd,)),), {})
    assert [row[1] for row in rows(report_csv(publish(counts, K), "en"))[1:] if row[1]] == ["'=1+1"]


def test_the_weekly_enrolments_add_up_to_the_total_and_are_guarded_so() -> None:
    """New enrolments per week add up to all courses' 33: the 3 of week 45 takes the 9 of week 41 with it."""
    got = figures(report_csv(publish(COUNTS, K), "en"))
    assert got["", "", "", "2026-W45", "enrolled_new"] == ("", "fewer than 5")
    assert got["", "", "", "2026-W41", "enrolled_new"] == ("", GUARD_NOTE)
    assert got["", "", "", "2026-W38", "enrolled_new"] == ("21", "")


def test_a_tranche_line_with_nothing_left_out_says_so() -> None:
    """Large groups only: every figure a number, no mark, so no legend is needed."""
    big = TrancheTally("Groot", date(2026, 9, 15), 30, {INTRO: 25}, {TWO_DAYS: Replies(30, 20)})
    counts = ReportCounts(PERIOD, (CourseTally(COURSE, (PlannedTranche("Groot", big.course_day),), (big,)),), {})
    [line] = tranche_lines(counts, "en", K)
    assert (line.enrolled, line.hidden) == ("30", False)
    assert line.figures == "completed: Introductie 25 (83%) · follow-ups answered/sent: Na twee dagen 20/30 (67%)"


def test_tranche_lines_show_what_the_report_shows() -> None:
    """Per tranche: enrolled, each session and follow-up, with the report's marks where it leaves a figure out."""
    lines = tranche_lines(COUNTS, "en", K)
    assert [(line.tranche, line.enrolled) for line in lines] == [("Utrecht", "21"), ("Den Haag", "–*"), ("Zwolle", "–")]
    utrecht = lines[0]
    assert utrecht.completed == ((INTRO, "18 (86%)"), (CRAFT, "–*"))
    assert utrecht.followups == ((TWO_DAYS, "14/21 (67%)"),)
    assert utrecht.text == (
        "enrolled 21 · completed: Introductie 18 (86%), Vakmanschap –* · "
        "follow-ups answered/sent: Na twee dagen 14/21 (67%)"
    )
    assert utrecht.figures == utrecht.text.removeprefix("enrolled 21 · ") and utrecht.hidden
    assert [line.hidden for line in lines] == [True, True, True]
    assert tranche_lines(COUNTS, "nl", K)[0].completed[0] == (INTRO, "18 (86 %)")
    assert legend("en", K) == (
        "–: fewer than 5 people · –*: left out so that a smaller group cannot be worked out from the totals"
    )


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        pytest.param(
            replace(COUNTS, weeks={"2026-W47": WeekTally()}), "weeks: '2026-W47' is outside the period", id="week"
        ),
        pytest.param(
            replace(COUNTS, weeks={"2026-W40": WeekTally(9, 0, 3, 4)}),
            "week 2026-W40: answered: 4 people, more than the 3 sent",
            id="answered",
        ),
        pytest.param(
            replace(COUNTS, courses=(CourseTally(COURSE, PLANNED[1:], TRANCHES),)),
            "tranche 'Utrecht': has figures but is not among the course's planned tranches",
            id="unplanned",
        ),
        pytest.param(
            replace(COUNTS, courses=(CourseTally(COURSE, PLANNED, (*TRANCHES, TRANCHES[0])),)),
            "tranche: 'Utrecht' appears twice",
            id="twice",
        ),
        pytest.param(
            ReportCounts(PERIOD, (CourseTally(COURSE, PLANNED[:1], (replace(TRANCHES[0], enrolled=17),)),), {}),
            "completed 'Introductie': 18 people, more than the 17 enrolled",
            id="completed",
        ),
        pytest.param(replace(COUNTS, period=Period(PERIOD.end, PERIOD.start)), "period: ends", id="period"),
    ],
)
def test_counts_that_cannot_be_are_refused(counts: ReportCounts, message: str) -> None:
    """A caller's impossible counts are refused with what is wrong, quoted."""
    with pytest.raises(ValueError, match=re.escape(message)):
        publish(counts, K)


@st.composite
def reports(draw: st.DrawFn) -> tuple[ReportCounts, bool]:
    """One or two courses of one to four small tranches with a session and a follow-up, and a few weeks."""
    courses = []
    for c in range(draw(st.integers(1, 2))):
        tallies = []
        for t in range(draw(st.integers(1, 4))):
            enrolled = draw(st.integers(0, 14))
            done = draw(st.integers(0, enrolled))
            sent = draw(st.integers(0, enrolled))
            answered = draw(st.integers(0, sent))
            tallies.append(
                TrancheTally(f"t{t}", date(2026, 9, 7), enrolled, {INTRO: done}, {TWO_DAYS: Replies(sent, answered)})
            )
        planned = tuple(PlannedTranche(t.name, t.course_day) for t in tallies)
        courses.append(CourseTally(f"c{c}", planned, tuple(tallies)))
    total = sum(t.enrolled for course in courses for t in course.tranches)
    first = draw(st.integers(0, total))
    weeks = {"2026-W37": WeekTally(draw(st.integers(0, 12)), first, 0, 0)}
    weeks["2026-W38"] = WeekTally(
        draw(st.integers(0, 12)), total - first, sent := draw(st.integers(0, 9)), draw(st.integers(0, sent))
    )
    period = Period(date(2026, 9, 7), date(2026, 9, 20))
    return ReportCounts(period, tuple(courses), weeks), True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_no_hidden_figure_of_any_small_report_can_be_worked_out(drawn: tuple[ReportCounts, bool]) -> None:
    """Random small reports: nothing shown under k, and every hidden figure still has more than one value."""
    counts, weeks_add_up = drawn
    sheet = read_sheet(report_csv(publish(counts, K), "en"))
    rules = known(sheet, weeks_add_up=weeks_add_up)
    assert all(value >= K for value in sheet.shown.values())
    assert pinned(sheet, rules, K) == {}
    assert small_groups(sheet, rules, K) == []
