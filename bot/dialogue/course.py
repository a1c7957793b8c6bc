"""A course file -> a ``Course``, or every problem in it as ``path:line:col``.

A course is one YAML file in ``dialogues/courses/``. It names the course and
plans the follow-up dialogues a participant gets after taking it::

    id: art-of-connecting        # same rule as dialogue ids: a-z, 0-9, - and _, at most 32
    kind: course                 # required: says what the file is (dialogues have no kind)
    title: {nl: De cursus, en: The course}   # one text per language, as in dialogues
    languages: [nl, en]
    followups:                   # at least one; each later than the one before
      - after: 2d                # counted from the day the participant's tranche took the course
        dialogue: connecting-2-days
      - after: 1w
        dialogue: connecting-1-week
      - after: 2m
        dialogue: connecting-2-months
    reminders:                   # optional; these are the defaults
      after_working_days: 2      # remind about an unfinished follow-up after 1 to 10 working days
      max: 1                     # at most 0 to 3 reminders per follow-up (0: none)

``after`` is a whole number and a unit: ``d`` days (1 to 365), ``w`` weeks (1 to
52) or ``m`` calendar months (1 to 24; the same day N months later, or the last
day of a shorter month). A dialogue is named once. Months vary in length, so a
follow-up only counts as later than the one before it if it is later whatever
the start date: ``4w`` then ``1m`` is refused, ``5w`` then ``2m`` is fine.

A file is read as a course when it lies directly in a folder named ``courses``
or says ``kind: course`` at its top level (see ``is_course``). Whether each
follow-up dialogue exists is checked against a whole folder of dialogues by
``check_followups``; ``files.check_paths`` does both.
"""

from __future__ import annotations

import calendar
import difflib
import functools
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Literal, NewType, TypeVar, cast

from bot.dialogue.errors import LoadError
from bot.dialogue.loader import DIALOGUE_ID, DIALOGUE_ID_RULE
from bot.dialogue.model import Dialogue, DialogueId, Text
from bot.dialogue.problems import START, Mark, Problem
from bot.dialogue.reader import present
from bot.dialogue.texts import TextReader
from bot.dialogue.yamltree import Map, Scalar, Tree, parse_yaml

T = TypeVar("T")
CourseId = NewType("CourseId", str)
Unit = Literal["d", "w", "m"]

COURSES_FOLDER = "courses"
_REQUIRED = ("id", "kind", "title", "languages", "followups")
_DELAY = re.compile(r"([0-9]{1,9})([dwm])")
_MOST: dict[str, int] = {"d": 365, "w": 52, "m": 24}
_KIND = re.compile(rb"\bkind[\"']?[ \t]*:")


@dataclass(frozen=True, slots=True)
class Delay:
    """How long after the course: ``amount`` days, weeks or calendar months."""

    amount: int
    unit: Unit

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def due(self, start: date) -> date:
        """The day this long after ``start``."""
        if self.unit == "m":
            return add_months(start, self.amount)
        return start + timedelta(days=self.amount * (7 if self.unit == "w" else 1))

    @property
    def fewest_days(self) -> int:
        return _span(self)[0]

    @property
    def most_days(self) -> int:
        return _span(self)[1]


@dataclass(frozen=True, slots=True)
class Followup:
    after: Delay
    dialogue: DialogueId


@dataclass(frozen=True, slots=True)
class Reminders:
    """Remind about an unfinished follow-up after ``after_working_days``, at most ``max`` times."""

    after_working_days: int = 2
    max: int = 1


_DEFAULT = Reminders()


@dataclass(frozen=True, slots=True)
class Course:
    id: CourseId
    title: Text
    languages: tuple[str, ...]
    followups: tuple[Followup, ...]
    reminders: Reminders = field(default_factory=Reminders)


@dataclass(frozen=True, slots=True)
class CheckedCourse:
    """What checking one file found: the course if it has no errors, every problem, and where things are."""

    course: Course | None
    problems: tuple[Problem, ...]
    id_mark: Mark = START
    references: tuple[tuple[DialogueId, Mark], ...] = ()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month if it is shorter."""
    years, month = divmod(day.month - 1 + months, 12)
    year = day.year + years
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@functools.cache
def _span(delay: Delay) -> tuple[int, int]:
    """The fewest and most days ``delay`` takes, over every start day of a leap-year cycle."""
    cycle = 4 * 365 + 1 if delay.unit == "m" else 1  # only months vary
    starts = [date(2024, 1, 1) + timedelta(days=n) for n in range(cycle)]
    spans = [(delay.due(start) - start).days for start in starts]
    return min(spans), max(spans)


def is_course(path: Path, data: bytes) -> bool:
    """Whether a file is a course: it lies in a ``courses`` folder or says ``kind: course`` at the top."""
    if path.parent.name == COURSES_FOLDER:
        return True
    if not _KIND.search(data):  # cheap: most dialogues never write 'kind:'
        return False
    tree, _ = parse_yaml(data, str(path))
    kind = tree.items.get("kind") if isinstance(tree, Map) else None
    return kind is not None and isinstance(kind[1], Scalar) and kind[1].text == "course"


def load_course(data: bytes, path: str = "<course>") -> Course:
    """Return the course in ``data`` or raise LoadError listing every error."""
    checked = check_course(data, path)
    if checked.course is None:
        raise LoadError(p for p in checked.problems if p.is_error)
    return checked.course


def check_course(data: bytes, path: str = "<course>") -> CheckedCourse:
    """Every problem in ``data``, sorted by position, and the course if there is no error."""
    tree, problems = parse_yaml(data, path)
    problems = [replace(p, message=p.message.replace("expected a dialogue", "expected a course")) for p in problems]
    if tree is None:
        return CheckedCourse(None, tuple(problems))
    builder = _Builder(path, problems)
    course = builder.build(tree)
    problems.sort(key=lambda problem: (problem.mark.line, problem.mark.column))
    ok = course is not None and not any(p.is_error for p in problems)
    return CheckedCourse(course if ok else None, tuple(problems), builder.id_mark, tuple(builder.references))


def check_followups(
    checked: CheckedCourse,
    path: str,
    dialogues: Mapping[DialogueId, Dialogue],
    broken: Collection[str] = (),
    complete: bool = True,
) -> list[Problem]:
    """Follow-ups naming a dialogue that is not in ``dialogues``, or that lacks one of the course's languages.

    ``broken``: ids of dialogue files that have errors of their own (not reported again).
    ``complete``: ``dialogues`` is the whole folder; if not, a missing dialogue is only a warning.
    """
    problems: list[Problem] = []
    languages = checked.course.languages if checked.course else ()
    for name, mark in checked.references:
        if name in dialogues:
            missing = [language for language in languages if language not in dialogues[name].languages]
            if missing:
                text = f"follow-up dialogue {name!r} has no {' or '.join(missing)} text; the course is in "
                problems.append(Problem(path, mark, text + ", ".join(languages)))
        elif name not in broken:
            problems.append(_missing(path, mark, name, dialogues, complete))
    return problems


def _missing(path: str, mark: Mark, name: str, dialogues: Collection[str], complete: bool) -> Problem:
    close = difflib.get_close_matches(name, list(dialogues), n=1, cutoff=0.7)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    if complete:
        return Problem(path, mark, f"follow-up dialogue {name!r} does not exist{hint}")
    message = f"follow-up dialogue {name!r} was not checked in this run{hint}: validate the whole dialogues folder"
    return Problem(path, mark, message, "warning")


class _Builder(TextReader):
    def __init__(self, path: str, problems: list[Problem]) -> None:
        super().__init__(path, problems, None)
        self.id_mark = START
        self.references: list[tuple[DialogueId, Mark]] = []
        self.delays: list[tuple[Delay, Mark]] = []

    def build(self, tree: Tree) -> Course | None:
        if isinstance(tree, Map) and "nodes" in tree.items and "kind" not in tree.items:
            self.error(tree.mark, "this is a dialogue, not a course: move it out of the courses folder")
            return None
        top = self.mapping(tree, "the course", _REQUIRED, ("reminders",))
        if top is None:
            return None
        if "kind" in top:
            self.one_of(top["kind"], "kind", ("course",))
        languages = self.read_languages(top["languages"]) if "languages" in top else None
        self.languages = languages or self.languages
        course_id = self.read_id(top["id"]) if "id" in top else None
        title = self.text(top["title"], "'title'") if "title" in top and languages else None
        followups = self.followups(top["followups"]) if "followups" in top else None
        reminders = self.reminders(top["reminders"]) if "reminders" in top else Reminders()
        if any(problem.is_error for problem in self.problems):
            return None
        if course_id is None or title is None or languages is None or followups is None or reminders is None:
            return None
        return Course(course_id, title, languages, followups, reminders)

    def read_id(self, tree: Tree) -> CourseId | None:
        self.id_mark = tree.mark
        found = self.identifier(tree, "'id'", DIALOGUE_ID, DIALOGUE_ID_RULE)
        return None if found is None else CourseId(found)

    # --- follow-ups ----------------------------------------------------------------

    def followups(self, tree: Tree) -> tuple[Followup, ...] | None:
        items = self.sequence(tree, "'followups'")
        if not items:
            if items is not None:
                self.error(tree.mark, "'followups' is empty: give at least one '- after: 2d' with its 'dialogue'")
            return None
        found = present([self.followup(item) for item in items])
        self.check_order()
        return found

    def followup(self, tree: Tree) -> Followup | None:
        fields = self.mapping(tree, "a follow-up", ("after", "dialogue"))
        if fields is None or len(fields) < 2:
            return None
        after, dialogue = self.delay(fields["after"]), self.dialogue(fields["dialogue"])
        return None if after is None or dialogue is None else Followup(after, dialogue)

    def delay(self, tree: Tree) -> Delay | None:
        text = self.string(tree, "'after'")
        found = _DELAY.fullmatch(text) if text is not None else None
        if text is not None and found is None:
            self.error(tree.mark, f"'after' {text!r} is not a delay: write a number and d, w or m (2d, 1w, 3w, 2m)")
        if found is None:
            return None
        amount, unit = int(found[1]), cast(Unit, found[2])
        if not 1 <= amount <= _MOST[unit]:
            self.error(tree.mark, f"'after' {text!r} must be between 1{unit} and {_MOST[unit]}{unit}")
            return None
        self.delays.append((Delay(amount, unit), tree.mark))
        return self.delays[-1][0]

    def dialogue(self, tree: Tree) -> DialogueId | None:
        found = self.identifier(tree, "'dialogue'", DIALOGUE_ID, DIALOGUE_ID_RULE)
        if found is None:
            return None
        first = next((mark for name, mark in self.references if name == found), None)
        if first is not None:
            self.error(tree.mark, f"dialogue {found!r} is already a follow-up (line {first.line}): name it once")
            return None
        self.references.append((DialogueId(found), tree.mark))
        return DialogueId(found)

    def check_order(self) -> None:
        """Each follow-up later than the one before it (of those whose 'after' could be read)."""
        for (before, _), (after, mark) in zip(self.delays, self.delays[1:], strict=False):
            if after.fewest_days > before.most_days:
                continue
            why = "" if after.most_days <= before.fewest_days else f": months vary, so {after} is not always later"
            self.error(mark, f"'after' {after} must be later than the follow-up before it ({before}){why}")

    # --- reminders -------------------------------------------------------------------

    def reminders(self, tree: Tree) -> Reminders | None:
        fields = self.mapping(tree, "'reminders'", (), ("after_working_days", "max"))
        if fields is None:
            return None
        days = _optional(
            fields,
            "after_working_days",
            lambda t: self.integer(t, "'after_working_days'", 1, 10),
            _DEFAULT.after_working_days,
        )
        most = _optional(fields, "max", lambda t: self.integer(t, "'max'", 0, 3), _DEFAULT.max)
        return None if days is None or most is None else Reminders(days, most)


def _optional(fields: dict[str, Tree], name: str, read: Callable[[Tree], T | None], default: T) -> T | None:
    return read(fields[name]) if name in fields else default
