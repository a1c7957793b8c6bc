"""`goodwork play`: the same engine in a terminal, driven through stdin."""

from __future__ import annotations

import io
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from bot.cli import play

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "dialogue" / "data" / "sample.yaml"


def run_play(name: str, lines: str, lang: str | None = None, folder: Path | None = None) -> tuple[int, str]:
    out = io.StringIO()
    args = Namespace(dialogue=name, lang=lang, dialogues=folder or ROOT / "dialogues")
    code = play.run(args, io.StringIO(lines), out, out)
    return code, out.getvalue()


def test_plays_to_the_end() -> None:
    """Numbers choose, text answers, and the end is announced."""
    code, out = run_play(str(SAMPLE), "2\nbecause\n", lang="en")
    assert code == 0
    assert "1. Write it\n  2. Voice doubts" in out and "-> Voice doubts" in out
    assert out.rstrip().endswith("Thank you\n\n-- end --")


def test_option_id_back_skip_and_errors() -> None:
    """An option id works, back returns, skip skips, and a wrong answer is explained without ending."""
    code, out = run_play(str(SAMPLE), "write\nback\n9\nvoice\nskip\n", lang="nl")
    assert code == 0
    assert out.count("Wat doet hij?") == 2
    assert "(!) option '9' is not offered at node 'pick'" in out
    assert "-> Twijfel uiten" in out and out.rstrip().endswith("-- end --")


def test_too_short_answer_is_explained() -> None:
    """A reflection below min_length gets a hint and the question stays open."""
    code, out = run_play(str(SAMPLE), "1\nskip\nabc\nlonger answer\n", lang="en")
    assert code == 0 and "(!) an answer here needs 5 to 4096 characters, got 3" in out
    assert "-- end --" in out


def test_end_of_input_and_quit() -> None:
    """End of input or 'quit' stops cleanly with exit code 0."""
    assert run_play(str(SAMPLE), "")[0] == 0
    code, out = run_play(str(SAMPLE), "quit\n")
    assert code == 0 and "Stopped" in out


def test_unknown_dialogue_suggests() -> None:
    """An unknown id exits 1 and names what exists, with a suggestion for a typo."""
    code, out = run_play("martn", "")
    assert code == 1 and "no dialogue 'martn'" in out and "did you mean 'martin'?" in out


def test_broken_file_shows_problems(tmp_path: Path) -> None:
    """Playing a broken file prints its problems instead of a traceback."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nversion: [\n")
    code, out = run_play(str(broken), "")
    assert code == 1 and f"{broken}:" in out and "YAML syntax error" in out


def test_language_not_in_dialogue(tmp_path: Path) -> None:
    """Asking for a language the dialogue lacks is refused clearly."""
    one = tmp_path / "one.yaml"
    one.write_text(
        "id: one\nversion: 1\ntitle: One\nsession: other\nlanguages: [en]\nstart: e\nnodes:\n  e:\n    type: end\n"
    )
    code, out = run_play(str(one), "", lang="nl")
    assert code == 1 and "has no 'nl' text" in out


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_console_script_plays_martin(lang: str) -> None:
    """`python -m bot play martin` runs from the repository with piped input."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "play", "martin", "--lang", lang],
        input="1\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Martin" in done.stdout and "Stopped" in done.stdout
