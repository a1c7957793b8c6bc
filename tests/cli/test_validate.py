"""`goodwork validate PATH... [--walk N]`: every problem as path:line:col, exit 1 on errors, 0 when clean."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from bot.cli import main

GOOD = """\
id: {id}
version: 1
title: Good
session: other
languages: [en]
start: ask
nodes:
  ask:
    type: choice
    ask: Ready?
    options:
      - id: go
        label: Go
        next: bye
  bye:
    type: end
"""

# Two problems in the header and one in a node (line 12: the option id).
BAD = """\
id: bad
version: one
title: Bad
session: ethic
languages: [en]
start: ask
nodes:
  ask:
    type: choice
    ask: Ready?
    options:
      - id: go
        label: Go
        nxt: bye
  bye:
    type: end
"""

# A branch whose rule can never be true: 'secret' is reachable on paper, never in a walk.
NEVER = """\
id: never
version: 1
title: Never
session: other
languages: [en]
start: route
nodes:
  route:
    type: branch
    when:
      - if: visited(secret) and not visited(secret)
        next: secret
    next: ask
  secret:
    type: message
    say: You will never see this
    next: ask
  ask:
    type: reflection
    ask: How was it?
    next: bye
  bye:
    type: end
"""

# The only way out is an option whose condition is never true: every walk goes round forever.
STUCK = """\
id: stuck
version: 1
title: Stuck
session: other
languages: [en]
start: ask
nodes:
  ask:
    type: choice
    ask: Again?
    options:
      - id: again
        label: Again
        next: ask
      - id: stop
        label: Stop
        if: visited(bye) and not visited(bye)
        next: bye
  bye:
    type: end
"""

# A course whose one follow-up is the dialogue {dialogue}; line 7 holds its name (column 15).
COURSE = """\
id: trial
kind: course
title: Trial
languages: [en]
followups:
  - after: 2d
    dialogue: {dialogue}
"""

SUMMARY = re.compile(
    r"^(\d+ file\(s\), \d+ dialogue\(s\)(?:, \d+ course\(s\))?(?:, \d+ walks each)?: "
    r"\d+ error\(s\), \d+ warning\(s\)) in \d+\.\d\ds$"
)


def write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def validate(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, list[str], str]:
    """Run ``goodwork validate`` in-process: exit code, problem lines, and the summary without its timing."""
    code = main(["validate", *map(str, args)])
    lines = capsys.readouterr().out.splitlines()
    summary = SUMMARY.match(lines[-1])
    assert summary, f"last line is not a summary: {lines[-1]!r}"
    return code, lines[:-1], summary.group(1)


def test_clean_folder_exits_0_with_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder of good dialogues prints only the summary and exits 0."""
    write(tmp_path / "dialogues", "one.yaml", GOOD.format(id="one"))
    write(tmp_path / "dialogues" / "more", "two.yml", GOOD.format(id="two"))
    write(tmp_path / "dialogues", "notes.txt", "not a dialogue")
    assert validate(capsys, tmp_path / "dialogues") == (0, [], "2 file(s), 2 dialogue(s): 0 error(s), 0 warning(s)")


def test_bad_file_exits_1_and_prints_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One bad file among good ones: every problem in it is printed and the exit code is 1."""
    folder = tmp_path / "dialogues"
    write(folder, "good.yaml", GOOD.format(id="good"))
    bad = write(folder, "bad.yaml", BAD)
    code, lines, summary = validate(capsys, folder)
    assert code == 1
    assert lines == [
        f"{bad}:2:10: 'version' must be a whole number, not text ('one')",
        f"{bad}:4:10: unknown session 'ethic' (did you mean 'ethics'?)",
        f"{bad}:12:9: an option is missing 'next'",
        f"{bad}:14:9: unknown key 'nxt' in an option (did you mean 'next'?)",
    ]
    assert summary == "2 file(s), 1 dialogue(s): 4 error(s), 0 warning(s)"


def test_warnings_print_but_do_not_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unreachable node is a printed warning and the exit code stays 0."""
    path = write(
        tmp_path, "orphan.yaml", GOOD.format(id="orphan").replace("  bye:\n", "  lost:\n    type: end\n  bye:\n")
    )
    code, lines, summary = validate(capsys, path)
    assert (code, summary) == (0, "1 file(s), 1 dialogue(s): 0 error(s), 1 warning(s)")
    assert lines == [f"{path}:15:3: warning: node 'lost' can never be reached from 'start'"]


def test_duplicate_dialogue_ids_across_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two files with one dialogue id: an error at the second file's id naming the first file."""
    first = write(tmp_path, "a.yaml", GOOD.format(id="same"))
    second = write(tmp_path, "b.yaml", GOOD.format(id="same"))
    code, lines, summary = validate(capsys, tmp_path)
    assert (code, summary) == (1, "2 file(s), 1 dialogue(s): 1 error(s), 0 warning(s)")
    assert lines == [f"{second}:1:5: dialogue id 'same' is already used by {first}"]


def test_file_named_twice_is_checked_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file given by name and inside a given folder is not its own duplicate."""
    path = write(tmp_path, "one.yaml", GOOD.format(id="one"))
    assert validate(capsys, tmp_path, path, path) == (0, [], "1 file(s), 1 dialogue(s): 0 error(s), 0 warning(s)")


def test_missing_path_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path that does not exist is reported at 1:1 and fails the run."""
    missing = tmp_path / "nope.yaml"
    code, lines, summary = validate(capsys, missing)
    assert (code, summary) == (1, "0 file(s), 0 dialogue(s): 1 error(s), 0 warning(s)")
    assert lines == [f"{missing}:1:1: no such file or folder"]


def test_folder_without_dialogues_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder with no .yaml or .yml file is worth a warning, not a silent pass."""
    write(tmp_path, "readme.md", "# nothing here")
    code, lines, summary = validate(capsys, tmp_path)
    assert (code, summary) == (0, "0 file(s), 0 dialogue(s): 0 error(s), 1 warning(s)")
    assert lines == [f"{tmp_path}:1:1: warning: no .yaml or .yml files in this folder"]


def test_hostile_files_get_one_error_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An alias bomb, a 10 MB file, binary garbage, an empty file and a list: one clear error each, fast."""
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    bomb += [f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)]
    files: dict[str, tuple[str | bytes, str]] = {
        "bomb.yaml": (
            "\n".join(bomb) + "\n",
            "1:4: anchors and aliases (& and *) are not allowed: write the text out in full",
        ),
        "huge.yaml": (b"a" * 10_000_000, "1:1: file is too large: 10,000,000 bytes, the limit is 1,000,000"),
        "garbage.yaml": (bytes(range(256)) * 8, "1:1: binary file: expected YAML text"),
        "empty.yaml": ("", "1:1: file is empty: expected a dialogue"),
        "list.yaml": ("- a\n- b\n", "1:1: the dialogue must be a mapping of 'key: value' lines, not a list"),
    }
    for name, (content, _) in files.items():
        write(tmp_path, name, content)
    began = time.perf_counter()
    code, lines, summary = validate(capsys, *(tmp_path / name for name in files))
    assert time.perf_counter() - began < 5
    assert (code, summary) == (1, "5 file(s), 0 dialogue(s): 5 error(s), 0 warning(s)")
    assert lines == [f"{tmp_path / name}:{expected}" for name, (_, expected) in files.items()]


def test_walk_warns_about_nodes_no_walk_visits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--walk 50 lists a node that is reachable on paper but behind a condition that is never true."""
    path = write(tmp_path, "never.yaml", NEVER)
    code, lines, summary = validate(capsys, path, "--walk", "50")
    assert (code, summary) == (0, "1 file(s), 1 dialogue(s), 50 walks each: 0 error(s), 1 warning(s)")
    assert lines == [f"{path}:14:3: warning: never: 1 node(s) never visited in 50 walks: secret"]


def test_without_walk_the_unvisitable_node_goes_unnoticed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The static checks alone accept the never-true branch: only walking finds it."""
    path = write(tmp_path, "never.yaml", NEVER)
    assert validate(capsys, path) == (0, [], "1 file(s), 1 dialogue(s): 0 error(s), 0 warning(s)")


def test_walks_that_never_end_are_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Walks stuck in a loop fail the run, reported once with how many walks failed that way."""
    path = write(tmp_path, "stuck.yaml", STUCK)
    code, lines, summary = validate(capsys, path, "--walk", "20", "--seed", "7")
    assert (code, summary) == (1, "1 file(s), 1 dialogue(s), 20 walks each: 1 error(s), 1 warning(s)")
    assert lines == [
        f"{path}:8:3: stuck: walk 1 (seed 7): did not reach an end within 30 steps (at node 'ask') "
        "(and 19 more of the 20 walks)",
        f"{path}:19:3: warning: stuck: 1 node(s) never visited in 20 walks: bye",
    ]


def test_summary_counts_courses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder with a dialogue and a course in courses/: the summary counts both, and walks only the dialogue."""
    folder = tmp_path / "dialogues"
    write(folder, "one.yaml", GOOD.format(id="one"))
    write(folder / "courses", "trial.yaml", COURSE.format(dialogue="one"))
    assert validate(capsys, folder) == (0, [], "2 file(s), 1 dialogue(s), 1 course(s): 0 error(s), 0 warning(s)")
    summary = "2 file(s), 1 dialogue(s), 1 course(s), 10 walks each: 0 error(s), 0 warning(s)"
    assert validate(capsys, folder, "--walk", "10") == (0, [], summary)


def test_course_naming_a_missing_dialogue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In a folder run a dangling follow-up fails the run; the course file alone only warns."""
    folder = tmp_path / "dialogues"
    write(folder, "one.yaml", GOOD.format(id="one"))
    course = write(folder / "courses", "trial.yaml", COURSE.format(dialogue="onee"))
    code, lines, summary = validate(capsys, folder)
    assert (code, summary) == (1, "2 file(s), 1 dialogue(s): 1 error(s), 0 warning(s)")
    assert lines == [f"{course}:7:15: follow-up dialogue 'onee' does not exist; did you mean 'one'?"]
    code, lines, summary = validate(capsys, course)
    assert (code, summary) == (0, "1 file(s), 0 dialogue(s), 1 course(s): 0 error(s), 1 warning(s)")
    assert lines == [
        f"{course}:7:15: warning: follow-up dialogue 'onee' was not checked in this run: "
        "validate the whole dialogues folder"
    ]


def test_walk_count_must_be_a_whole_number(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad --walk value is a usage error (exit 2) that quotes the value."""
    with pytest.raises(SystemExit) as exited:
        main(["validate", "x.yaml", "--walk", "many"])
    assert exited.value.code == 2
    assert "expected a whole number from 0 to 100000, got 'many'" in capsys.readouterr().err


def test_console_script_points_at_main() -> None:
    """The installed ``goodwork`` script runs bot.cli.main."""
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "goodwork"]
    assert script.load() is main


def test_validate_runs_as_a_program(tmp_path: Path) -> None:
    """``python -m bot validate`` prints problems on stdout and exits 1 on errors, 0 when clean."""
    bad = write(tmp_path / "bad", "bad.yaml", BAD)
    write(tmp_path / "good", "good.yaml", GOOD.format(id="good"))
    failed = subprocess.run(
        [sys.executable, "-m", "bot", "validate", str(bad)], capture_output=True, text=True, check=False, timeout=60
    )
    passed = subprocess.run(
        [sys.executable, "-m", "bot", "validate", str(tmp_path / "good")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (failed.returncode, failed.stderr) == (1, "")
    assert f"{bad}:2:10: 'version' must be a whole number, not text ('one')\n" in failed.stdout
    assert (passed.returncode, passed.stderr) == (0, "")
    assert SUMMARY.match(passed.stdout.strip())
