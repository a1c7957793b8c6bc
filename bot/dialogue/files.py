"""Dialogue and course files and folders: read safely, check each, and check them together.

Files directly in a ``courses/`` folder, or saying ``kind: course`` at the top,
are courses (``course.py``); every other file is a dialogue. Courses are checked
after the dialogues, so that their follow-ups can be looked up among them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.dialogue.course import (
    COURSES_FOLDER,
    CheckedCourse,
    Course,
    CourseId,
    check_course,
    check_followups,
    is_course,
)
from bot.dialogue.errors import LoadError
from bot.dialogue.loader import Checked, check_dialogue
from bot.dialogue.model import Dialogue, DialogueId
from bot.dialogue.problems import START, Mark, Problem
from bot.dialogue.walk import Failure, walk
from bot.dialogue.yamltree import MAX_BYTES, Map, Scalar, parse_yaml, too_large

SUFFIXES = (".yaml", ".yml")


@dataclass(slots=True)
class Report:
    dialogues: dict[DialogueId, Dialogue] = field(default_factory=dict)
    sources: dict[DialogueId, str] = field(default_factory=dict)
    marks: dict[DialogueId, dict[str, Mark]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    courses: dict[CourseId, Course] = field(default_factory=dict)
    course_sources: dict[CourseId, str] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)  # ids of dialogue files with errors

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]

    def counts(self) -> str:
        """``3 file(s), 2 dialogue(s)``, and ``, 1 course(s)`` when there are any."""
        courses = f", {len(self.courses)} course(s)" if self.courses else ""
        return f"{self.files} file(s), {len(self.dialogues)} dialogue(s){courses}"


def dialogue_files(paths: Iterable[Path], report: Report) -> list[Path]:
    """The dialogue files named by ``paths``, folders searched recursively."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            if not inside:
                report.problems.append(Problem(str(path), START, "no .yaml or .yml files in this folder", "warning"))
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            report.problems.append(Problem(str(path), START, "no such file or folder"))
    return list(dict.fromkeys(found))  # a file named twice, or inside a named folder, is checked once


def read_source(path: Path) -> bytes | Problem:
    """The file's bytes, or a problem; never reads more than the size cap allows."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        return Problem(str(path), START, f"cannot read the file: {exc.strerror}")
    if len(data) > MAX_BYTES:
        return Problem(str(path), START, too_large(path.stat().st_size))
    return data


def check_paths(paths: Iterable[Path], walks: int = 0, seed: int = 0) -> Report:
    """Check every dialogue and course under ``paths``; with ``walks``, also play each dialogue."""
    report, paths = Report(), list(paths)
    courses: list[tuple[Path, bytes]] = []
    for path in dialogue_files(paths, report):
        report.files += 1
        data = read_source(path)
        if isinstance(data, Problem):
            report.problems.append(data)
        elif is_course(path, data):
            courses.append((path, data))
        else:
            _collect(report, check_dialogue(data, str(path), path.parent), str(path), data)
    folders = [folder.resolve() for folder in paths if folder.is_dir()]
    for path, data in courses:
        _collect_course(report, check_course(data, str(path)), str(path), _whole(path, folders))
    for dialogue in report.dialogues.values() if walks else ():
        _walk(report, dialogue, walks, seed)
    return report


def _collect(report: Report, checked: Checked, path: str, data: bytes) -> None:
    report.problems.extend(checked.problems)
    dialogue = checked.dialogue
    if dialogue is None:
        report.broken.update(_declared_id(data))
        return
    if dialogue.id in report.dialogues:
        mark = checked.marks.get(":id", START)
        report.problems.append(
            Problem(path, mark, f"dialogue id {dialogue.id!r} is already used by {report.sources[dialogue.id]}")
        )
        return
    report.dialogues[dialogue.id] = dialogue
    report.sources[dialogue.id] = path
    report.marks[dialogue.id] = checked.marks


def _declared_id(data: bytes) -> list[str]:
    """The id a broken dialogue file gives itself, if it says one."""
    tree, _ = parse_yaml(data, "")
    found = tree.items.get("id") if isinstance(tree, Map) else None
    return [found[1].text] if found and isinstance(found[1], Scalar) else []


def _whole(path: Path, folders: list[Path]) -> bool:
    """Whether the run checked the whole folder the course belongs to (the one holding ``courses/``)."""
    home = path.parent.parent if path.parent.name == COURSES_FOLDER else path.parent
    home = home.resolve()
    return any(folder == home or folder in home.parents for folder in folders)


def _collect_course(report: Report, checked: CheckedCourse, path: str, whole: bool) -> None:
    """Add the course and its problems, follow-ups included, sorted by position."""
    followups = check_followups(checked, path, report.dialogues, report.broken, whole)
    report.problems.extend(sorted([*checked.problems, *followups], key=lambda p: (p.mark.line, p.mark.column)))
    course = checked.course
    if course is None or any(problem.is_error for problem in followups):
        return
    if course.id in report.courses:
        message = f"course id {course.id!r} is already used by {report.course_sources[course.id]}"
        report.problems.append(Problem(path, checked.id_mark, message))
        return
    report.courses[course.id] = course
    report.course_sources[course.id] = path


def _walk(report: Report, dialogue: Dialogue, walks: int, seed: int) -> None:
    result = walk(dialogue, walks, seed)
    path, marks = report.sources[dialogue.id], report.marks[dialogue.id]
    groups: dict[str, list[Failure]] = {}
    for failure in result.failures:
        groups.setdefault(failure.reason, []).append(failure)
    for reason, failures in groups.items():
        more = f" (and {len(failures) - 1} more of the {walks} walks)" if len(failures) > 1 else ""
        message = f"{dialogue.id}: walk {failures[0].walk} (seed {seed}): {reason}{more}"
        report.problems.append(Problem(path, marks.get(failures[0].node, START), message))
    unvisited = result.unvisited(dialogue)
    if unvisited:
        message = f"{dialogue.id}: {len(unvisited)} node(s) never visited in {walks} walks: {', '.join(unvisited)}"
        report.problems.append(Problem(path, marks.get(unvisited[0], START), message, "warning"))


def load_folder(folder: Path) -> dict[DialogueId, Dialogue]:
    """Every dialogue under ``folder`` (no course), or LoadError with every error found, courses' too."""
    return _clean(folder).dialogues


def load_courses(folder: Path) -> dict[CourseId, Course]:
    """Every course under ``folder`` (its dialogues checked too), or LoadError with every error found."""
    return _clean(folder).courses


def _clean(folder: Path) -> Report:
    report = check_paths([folder])
    if report.errors:
        raise LoadError(report.errors)
    return report
