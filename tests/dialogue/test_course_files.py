"""Course files: every problem as ``path:line:col: message``, follow-ups checked against the dialogues."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.dialogue.course import (
    Course,
    CourseId,
    Delay,
    Followup,
    Reminders,
    add_months,
    check_course,
    is_course,
    load_course,
)
from bot.dialogue.errors import LoadError
from bot.dialogue.files import check_paths, load_courses, load_folder
from bot.dialogue.model import DialogueId, Text

ROOT = Path(__file__).parents[2]
RULE = "use up to 32 lower-case letters, digits, '-' or '_', starting with a letter"
NOT_A_DELAY = "is not a delay: write a number and d, w or m (2d, 1w, 3w, 2m)"

# Line numbers the expected messages refer to:
#   1 id   2 kind   3 title   4 languages   5 followups (6 after, 7 dialogue; 8 after, 9 dialogue)
#  10 reminders (11 after_working_days, 12 max)
BASE = """\
id: trial
kind: course
title: {nl: Proef, en: Trial}
languages: [nl, en]
followups:
  - after: 2d
    dialogue: one
  - after: 1w
    dialogue: two
reminders:
  after_working_days: 2
  max: 1
"""


def dialogue(name: str, languages: str = "nl, en") -> str:
    """The smallest dialogue, for folder tests to name as a follow-up."""
    title = ", ".join(f"{language}: Hello" for language in languages.split(", "))
    return (
        f"id: {name}\nversion: 1\ntitle: {{{title}}}\nsession: followup\nlanguages: [{languages}]\n"
        "start: bye\nnodes:\n  bye:\n    type: end\n"
    )


def edit(base: str, *changes: tuple[str, str]) -> str:
    """``base`` with each ``old`` (which must occur exactly once) replaced by ``new``."""
    for old, new in changes:
        assert base.count(old) == 1, f"{old!r} must occur once"
        base = base.replace(old, new)
    return base


def case(name: str, changes: list[tuple[str, str]], *expected: str) -> object:
    return pytest.param(edit(BASE, *changes), list(expected), id=name)


CASES = [
    # --- the file as a whole ------------------------------------------------------------
    case("empty", [(BASE, "")], "c.yaml:1:1: file is empty: expected a course"),
    case(
        "a-list",
        [(BASE, "- id: trial\n")],
        "c.yaml:1:1: the course must be a mapping of 'key: value' lines, not a list",
    ),
    case(
        "alias",
        [("title: {nl: Proef, en: Trial}", "title: &t {nl: Proef, en: Trial}")],
        "c.yaml:3:8: anchors and aliases (& and *) are not allowed: write the text out in full",
    ),
    case(
        "duplicate-key",
        [("kind: course\n", "kind: course\nkind: course\n")],
        "c.yaml:3:1: duplicate key 'kind' (first at line 2): keys must be unique",
    ),
    case(
        "unknown-key",
        [("reminders:", "reminder:")],
        "c.yaml:10:1: unknown key 'reminder' in the course (did you mean 'reminders'?)",
    ),
    case("missing-kind", [("kind: course\n", "")], "c.yaml:1:1: the course is missing 'kind'"),
    case(
        "missing-followups",
        [(BASE[BASE.index("followups:") : BASE.index("reminders:")], "")],
        "c.yaml:1:1: the course is missing 'followups'",
    ),
    case("kind-typo", [("kind: course", "kind: cours")], "c.yaml:2:7: unknown kind 'cours' (did you mean 'course'?)"),
    case(
        "kind-dialogue",
        [("kind: course", "kind: dialogue")],
        "c.yaml:2:7: unknown kind 'dialogue' (expected one of: course)",
    ),
    # --- id, title, languages -----------------------------------------------------------
    case("id-not-valid", [("id: trial", "id: Trial run")], f"c.yaml:1:5: 'id' 'Trial run' is not a valid id: {RULE}"),
    case("id-a-number", [("id: trial", "id: 12")], f"c.yaml:1:5: 'id' '12' is not a valid id: {RULE}"),
    case("id-empty", [("id: trial", "id:")], "c.yaml:1:4: 'id' is empty"),
    case(
        "title-one-language",
        [("title: {nl: Proef, en: Trial}", "title: {nl: Proef}")],
        "c.yaml:3:8: 'title' is missing the en text",
    ),
    case(
        "title-plain-text",
        [("title: {nl: Proef, en: Trial}", "title: Trial")],
        "c.yaml:3:8: 'title' needs a text per language: {nl, en}",
    ),
    case(
        "title-undeclared-language",
        [("title: {nl: Proef, en: Trial}", "title: {nl: Proef, en: Trial, de: Probe}")],
        "c.yaml:3:31: 'title' has language 'de', not in 'languages'",
    ),
    case(
        "language-unknown",
        [("languages: [nl, en]", "languages: [nl, de]")],
        "c.yaml:4:17: unknown language 'de' (expected one of: nl, en)",
    ),
    case(
        "language-twice",
        [("languages: [nl, en]", "languages: [nl, en, nl]")],
        "c.yaml:4:12: 'languages' names a language twice",
    ),
    case(
        "languages-empty",
        [("languages: [nl, en]", "languages: []")],
        "c.yaml:4:12: 'languages' is empty: name at least one of nl, en",
    ),
    # --- follow-ups -----------------------------------------------------------------------
    case(
        "followups-not-a-list",
        [(BASE[BASE.index("followups:") : BASE.index("reminders:")], "followups: one\n")],
        "c.yaml:5:12: 'followups' must be a list ('- ' lines), not text ('one')",
    ),
    case(
        "followups-empty",
        [(BASE[BASE.index("followups:") : BASE.index("reminders:")], "followups: []\n")],
        "c.yaml:5:12: 'followups' is empty: give at least one '- after: 2d' with its 'dialogue'",
    ),
    case(
        "followup-not-a-mapping",
        [("  - after: 2d\n    dialogue: one\n", "  - 2d one\n")],
        "c.yaml:6:5: a follow-up must be a mapping of 'key: value' lines, not text ('2d one')",
    ),
    case(
        "followup-key-typo",
        [("dialogue: one", "dialog: one")],
        "c.yaml:6:5: a follow-up is missing 'dialogue'",
        "c.yaml:7:5: unknown key 'dialog' in a follow-up (did you mean 'dialogue'?)",
    ),
    case("after-words", [("after: 2d", "after: 2 days")], f"c.yaml:6:12: 'after' '2 days' {NOT_A_DELAY}"),
    case("after-a-number", [("after: 2d", "after: 2")], f"c.yaml:6:12: 'after' '2' {NOT_A_DELAY}"),
    case("after-upper-case", [("after: 2d", "after: 2D")], f"c.yaml:6:12: 'after' '2D' {NOT_A_DELAY}"),
    case("after-a-fraction", [("after: 1w", "after: 1.5w")], f"c.yaml:8:12: 'after' '1.5w' {NOT_A_DELAY}"),
    case("after-a-mapping", [("after: 2d", "after: {days: 2}")], "c.yaml:6:12: 'after' must be text, not a mapping"),
    case("after-empty", [("after: 2d", "after:")], "c.yaml:6:11: 'after' is empty"),
    case("after-zero", [("after: 2d", "after: 0d")], "c.yaml:6:12: 'after' '0d' must be between 1d and 365d"),
    case("after-366-days", [("after: 2d", "after: 366d")], "c.yaml:6:12: 'after' '366d' must be between 1d and 365d"),
    case("after-53-weeks", [("after: 1w", "after: 53w")], "c.yaml:8:12: 'after' '53w' must be between 1w and 52w"),
    case("after-25-months", [("after: 1w", "after: 25m")], "c.yaml:8:12: 'after' '25m' must be between 1m and 24m"),
    case(
        "after-huge",
        [("after: 2d", "after: 99999999999999999999d")],
        f"c.yaml:6:12: 'after' '99999999999999999999d' {NOT_A_DELAY}",
    ),
    case(
        "out-of-order",
        [("after: 2d", "after: 2w")],
        "c.yaml:8:12: 'after' 1w must be later than the follow-up before it (2w)",
    ),
    case(
        "same-time",
        [("after: 2d", "after: 7d")],
        "c.yaml:8:12: 'after' 1w must be later than the follow-up before it (7d)",
    ),
    case(
        "months-vary",
        [("after: 2d", "after: 4w"), ("after: 1w", "after: 1m")],
        "c.yaml:8:12: 'after' 1m must be later than the follow-up before it (4w): months vary, so 1m is not always "
        "later",
    ),
    case(
        "dialogue-twice",
        [("dialogue: two", "dialogue: one")],
        "c.yaml:9:15: dialogue 'one' is already a follow-up (line 7): name it once",
    ),
    case(
        "dialogue-not-an-id",
        [("dialogue: one", "dialogue: Connecting 2")],
        f"c.yaml:7:15: 'dialogue' 'Connecting 2' is not a valid id: {RULE}",
    ),
    case("dialogue-a-list", [("dialogue: one", "dialogue: [one]")], "c.yaml:7:15: 'dialogue' must be text, not a list"),
    # --- reminders ----------------------------------------------------------------------
    case(
        "reminders-not-a-mapping",
        [("reminders:\n  after_working_days: 2\n  max: 1\n", "reminders: 2\n")],
        "c.yaml:10:12: 'reminders' must be a mapping of 'key: value' lines, not a number (2)",
    ),
    case(
        "reminders-key-typo",
        [("  max: 1", "  maxx: 1")],
        "c.yaml:12:3: unknown key 'maxx' in 'reminders' (did you mean 'max'?)",
    ),
    case(
        "reminders-days-zero",
        [("after_working_days: 2", "after_working_days: 0")],
        "c.yaml:11:23: 'after_working_days' must be between 1 and 10, not 0",
    ),
    case(
        "reminders-days-text",
        [("after_working_days: 2", "after_working_days: two")],
        "c.yaml:11:23: 'after_working_days' must be a whole number, not text ('two')",
    ),
    case("reminders-max-4", [("max: 1", "max: 4")], "c.yaml:12:8: 'max' must be between 0 and 3, not 4"),
    case(
        "reminders-max-true",
        [("max: 1", "max: yes")],
        "c.yaml:12:8: 'max' must be a whole number, not true/false (yes)",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_broken_course_reports_every_problem(text: str, expected: list[str]) -> None:
    """Each broken course gives exactly the expected problems, with their positions, and no course."""
    checked = check_course(text.encode(), "c.yaml")
    assert [str(problem) for problem in checked.problems] == expected
    assert checked.course is None


def test_yaml_syntax_error_in_a_course_is_one_problem_where_the_parser_stopped() -> None:
    """A syntax error is one problem at its line and column (the parser's own words follow; they are not ours)."""
    checked = check_course(edit(BASE, ("languages: [nl, en]", "languages: [nl, en")).encode(), "c.yaml")
    (problem,) = [str(problem) for problem in checked.problems]
    assert problem.startswith("c.yaml:5:10: YAML syntax error: ")
    assert checked.course is None


def test_good_course_becomes_a_course() -> None:
    """The base file loads to plain frozen data, with the positions of its follow-up dialogues."""
    checked = check_course(BASE.encode(), "c.yaml")
    assert checked.problems == ()
    assert checked.course == Course(
        CourseId("trial"),
        Text({"nl": "Proef", "en": "Trial"}),
        ("nl", "en"),
        (Followup(Delay(2, "d"), DialogueId("one")), Followup(Delay(1, "w"), DialogueId("two"))),
        Reminders(2, 1),
    )
    assert [(name, mark.line, mark.column) for name, mark in checked.references] == [("one", 7, 15), ("two", 9, 15)]


@pytest.mark.parametrize(
    "reminders",
    [
        pytest.param("", id="omitted"),
        pytest.param("reminders: {}\n", id="empty"),
        pytest.param("reminders:\n  max: 1\n", id="only-max"),
    ],
)
def test_reminders_default_to_two_working_days_and_one_reminder(reminders: str) -> None:
    """Leaving out reminders, or one of their keys, gives 2 working days and at most 1 reminder."""
    text = BASE[: BASE.index("reminders:")] + reminders
    assert load_course(text.encode()).reminders == Reminders(after_working_days=2, max=1)


def test_reminders_at_their_bounds() -> None:
    """1 to 10 working days and 0 to 3 reminders are accepted; 0 turns reminders off."""
    for days, most in ((1, 0), (10, 3)):
        text = edit(BASE, ("after_working_days: 2", f"after_working_days: {days}"), ("max: 1", f"max: {most}"))
        assert load_course(text.encode()).reminders == Reminders(days, most)


def test_delays_at_their_bounds_in_order() -> None:
    """1d, 52w (364 days), 365d and 24m are all accepted, in that order."""
    followups = "".join(
        f"  - after: {after}\n    dialogue: d{n}\n" for n, after in enumerate(["1d", "52w", "365d", "24m"])
    )
    text = BASE[: BASE.index("followups:")] + "followups:\n" + followups
    course = load_course(text.encode())
    assert [str(followup.after) for followup in course.followups] == ["1d", "52w", "365d", "24m"]


def test_one_language_course_may_use_a_plain_title() -> None:
    """Like a dialogue, a course in one language may give its title as plain text."""
    text = edit(BASE, ("title: {nl: Proef, en: Trial}", "title: Trial"), ("languages: [nl, en]", "languages: en"))
    course = load_course(text.encode())
    assert (course.title, course.languages) == (Text({"en": "Trial"}), ("en",))


def test_load_error_lists_every_error() -> None:
    """load_course raises one LoadError carrying every error in the file."""
    text = edit(BASE, ("kind: course", "kind: cours"), ("max: 1", "max: 9"))
    with pytest.raises(LoadError) as raised:
        load_course(text.encode(), "c.yaml")
    assert [str(problem) for problem in raised.value.problems] == [
        "c.yaml:2:7: unknown kind 'cours' (did you mean 'course'?)",
        "c.yaml:12:8: 'max' must be between 0 and 3, not 9",
    ]


def test_months_are_calendar_months() -> None:
    """A month later is the same day, or the last day of a shorter month; its length is 28 to 31 days."""
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 11, 15), 2) == date(2025, 1, 15)
    assert Delay(3, "w").due(date(2024, 12, 20)) == date(2025, 1, 10)
    assert (Delay(1, "m").fewest_days, Delay(1, "m").most_days) == (28, 31)
    assert (Delay(2, "m").fewest_days, Delay(2, "m").most_days) == (59, 62)
    assert (Delay(3, "w").fewest_days, Delay(3, "w").most_days) == (21, 21)


# --- files and folders ------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def course_folder(tmp_path: Path, *, named: str = "one", languages: str = "nl, en") -> tuple[Path, Path]:
    """A dialogues folder with dialogues 'one' and 'two' and courses/trial.yaml naming ``named`` and 'two'."""
    folder = tmp_path / "dialogues"
    write(folder / "one.yaml", dialogue("one", languages))
    write(folder / "two.yaml", dialogue("two"))
    course = write(folder / "courses" / "trial.yaml", edit(BASE, ("dialogue: one", f"dialogue: {named}")))
    return folder, course


def test_folder_run_loads_dialogues_and_courses(tmp_path: Path) -> None:
    """A file in courses/ is a course, not a dialogue; the rest are dialogues."""
    folder, course = course_folder(tmp_path)
    report = check_paths([folder])
    assert (report.problems, report.files) == ([], 3)
    assert sorted(report.dialogues) == ["one", "two"] and list(report.courses) == ["trial"]
    assert report.course_sources == {"trial": str(course)}
    assert report.counts() == "3 file(s), 2 dialogue(s), 1 course(s)"


def test_dangling_followup_is_an_error_in_a_folder_run(tmp_path: Path) -> None:
    """Checking the whole folder, a follow-up naming no dialogue is an error at its line, with a suggestion."""
    write(tmp_path / "dialogues" / "connecting-2-days.yaml", dialogue("connecting-2-days"))
    folder, course = course_folder(tmp_path, named="connecting-2-dayz")
    report = check_paths([folder])
    assert [str(problem) for problem in report.problems] == [
        f"{course}:7:15: follow-up dialogue 'connecting-2-dayz' does not exist; did you mean 'connecting-2-days'?"
    ]
    assert report.courses == {}


def test_dangling_followup_is_a_warning_when_the_course_is_checked_alone(tmp_path: Path) -> None:
    """The course file or its folder alone cannot know every dialogue: a missing one is only a warning."""
    _, course = course_folder(tmp_path, named="connecting-2-dayz")
    for alone in (course, course.parent):
        report = check_paths([alone])
        assert [str(problem) for problem in report.problems] == [
            f"{course}:7:15: warning: follow-up dialogue 'connecting-2-dayz' was not checked in this run: "
            "validate the whole dialogues folder",
            f"{course}:9:15: warning: follow-up dialogue 'two' was not checked in this run: "
            "validate the whole dialogues folder",
        ]
        assert list(report.courses) == ["trial"]


def test_followups_found_among_dialogues_named_beside_the_course(tmp_path: Path) -> None:
    """A course checked with its dialogues named one by one is clean."""
    folder, course = course_folder(tmp_path)
    report = check_paths([course, folder / "one.yaml", folder / "two.yaml"])
    assert report.problems == [] and list(report.courses) == ["trial"]


def test_followup_dialogue_missing_a_course_language(tmp_path: Path) -> None:
    """A follow-up dialogue must speak every language of its course."""
    folder, course = course_folder(tmp_path, languages="en")
    report = check_paths([folder])
    assert [str(problem) for problem in report.problems] == [
        f"{course}:7:15: follow-up dialogue 'one' has no nl text; the course is in nl, en"
    ]


def test_followup_naming_a_broken_dialogue_is_not_reported_twice(tmp_path: Path) -> None:
    """If the named dialogue has errors, those are reported, not a second 'does not exist' in the course."""
    folder, _ = course_folder(tmp_path)
    broken = write(folder / "one.yaml", dialogue("one").replace("version: 1", "version: x"))
    report = check_paths([folder])
    assert [str(problem) for problem in report.problems] == [
        f"{broken}:2:10: 'version' must be a whole number, not text ('x')"
    ]


def test_kind_course_outside_a_courses_folder(tmp_path: Path) -> None:
    """A file saying 'kind: course' at the top is a course wherever it lies."""
    folder, course = course_folder(tmp_path)
    course.rename(folder / "trial.yaml")
    report = check_paths([folder])
    assert report.problems == [] and list(report.courses) == ["trial"] and len(report.dialogues) == 2


def test_a_dialogue_in_courses_is_one_clear_error(tmp_path: Path) -> None:
    """A dialogue put in courses/ is not silently loaded, nor buried under unknown-key errors."""
    path = write(tmp_path / "courses" / "one.yaml", dialogue("one", "en"))
    assert [str(problem) for problem in check_paths([path]).problems] == [
        f"{path}:1:1: this is a dialogue, not a course: move it out of the courses folder"
    ]


def test_is_course_looks_at_the_top_level_kind_only() -> None:
    """'kind:' inside a text or a node does not make a dialogue a course; the courses folder does."""
    text = dialogue("one", "en").replace("type: end", "type: end\n    say: 'kind: course'")
    assert not is_course(Path("dialogues/one.yaml"), text.encode())
    assert not is_course(Path("dialogues/bad.yaml"), b"kind: [course\n")
    assert is_course(Path("dialogues/one.yaml"), b"id: x\nkind: 'course'\n")
    assert is_course(Path("dialogues/courses/any.yaml"), b"")


def test_duplicate_course_ids_across_files(tmp_path: Path) -> None:
    """Two course files with one id: an error at the second file's id naming the first file."""
    folder, first = course_folder(tmp_path)
    second = write(folder / "courses" / "trial2.yaml", BASE)
    report = check_paths([folder])
    assert [str(problem) for problem in report.problems] == [
        f"{second}:1:5: course id 'trial' is already used by {first}"
    ]


def test_load_folder_returns_only_dialogues_and_load_courses_the_courses(tmp_path: Path) -> None:
    """load_folder keeps returning dialogues only; load_courses returns the courses; an error in either raises."""
    folder, course = course_folder(tmp_path)
    assert sorted(load_folder(folder)) == ["one", "two"]
    assert list(load_courses(folder)) == ["trial"]
    write(course, edit(BASE, ("max: 1", "max: 9")))
    for load in (load_folder, load_courses):
        with pytest.raises(LoadError, match=r"trial\.yaml:12:8: 'max' must be between 0 and 3, not 9"):
            load(folder)


def test_shipped_course_loads() -> None:
    """The Art of Connecting follows up after 2 days, 1 week, 3 weeks and 2 months, with one reminder."""
    course = load_courses(ROOT / "dialogues")[CourseId("art-of-connecting")]
    assert course.languages == ("nl", "en") and set(course.title.by_language) == {"nl", "en"}
    assert [(str(f.after), f.dialogue) for f in course.followups] == [
        ("2d", "connecting-2-days"),
        ("1w", "connecting-1-week"),
        ("3w", "connecting-3-weeks"),
        ("2m", "connecting-2-months"),
    ]
    assert course.reminders == Reminders(after_working_days=2, max=1)
