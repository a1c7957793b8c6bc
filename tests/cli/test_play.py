"""`goodwork play`: the same engine in a terminal, driven through stdin."""

from __future__ import annotations

import getpass
import io
import os
import stat
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from bot.cli import play
from bot.config import ConfigError

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "dialogue" / "data" / "sample.yaml"


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every game keeps its answers in a fresh database, with no secret set."""
    monkeypatch.setenv("GOODWORK_DB", str(tmp_path / "play.sqlite3"))
    monkeypatch.delenv("GOODWORK_SECRET", raising=False)
    return tmp_path / "play.sqlite3"


def run_play(
    name: str, lines: str, lang: str | None = None, folder: Path | None = None, resume: bool = False
) -> tuple[int, str]:
    out = io.StringIO()
    args = Namespace(dialogue=name, lang=lang, dialogues=folder or ROOT / "dialogues", resume=resume)
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
    assert "(!) That is not one of the options: type its number." in out
    assert "-> Twijfel uiten" in out and out.rstrip().endswith("-- end --")


def test_too_short_answer_is_explained() -> None:
    """A reflection below min_length says how many characters it needs, and the question stays open."""
    code, out = run_play(str(SAMPLE), "1\nskip\nabc\nlonger answer\n", lang="en")
    assert code == 0 and "(!) That answer is too short: write at least 5 characters." in out
    assert "-- end --" in out


def errors(out: str) -> list[str]:
    return [line.removeprefix("> ") for line in out.splitlines() if line.removeprefix("> ").startswith("(!)")]


def test_mistakes_are_explained_without_internal_ids() -> None:
    """Back at the first question, a wrong option, skip where it is not allowed and a long answer get plain words."""
    lines = ["back", "skip", "sure", "write", "skip", "skip", "x" * 4097, "a reason"]
    code, out = run_play(str(SAMPLE), "\n".join(lines) + "\n", lang="en")
    assert code == 0 and out.rstrip().endswith("-- end --")
    assert errors(out) == [
        "(!) There is no earlier question.",
        "(!) This question cannot be skipped.",
        "(!) That is not one of the options: type its number.",
        "(!) This question cannot be skipped.",
        "(!) That answer is too long: keep it to 4,096 characters.",
    ]


def test_reflection_prompt_says_how_long_an_answer_must_be() -> None:
    """A reflection with a minimum length says so in its prompt; a skippable one offers 'skip'."""
    _, out = run_play(str(SAMPLE), "1\nskip\n", lang="en")
    assert "Why?\n  (write your answer, or 'skip')" in out
    assert "What would you do?\n  (write your answer, at least 5 characters)" in out


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


def test_resume_continues_where_it_stopped() -> None:
    """Quitting mid-dialogue and playing with --resume asks the open question again and goes on from there."""
    code, out = run_play(str(SAMPLE), "2\nquit\n", lang="en")
    assert code == 0 and "goodwork play sample --resume" in out
    code, out = run_play(str(SAMPLE), "a reason\n", resume=True)
    assert code == 0 and "What does he do?" not in out
    assert out.count("Why?") == 1 and out.rstrip().endswith("-- end --")


def test_resume_speaks_the_language_it_started_in() -> None:
    """--resume shows the title and the questions in the language of the saved game, not the default one."""
    run_play(str(SAMPLE), "1\nquit\n", lang="en")
    code, out = run_play(str(SAMPLE), "quit\n", resume=True)
    assert code == 0 and "== Sample ==" in out and "Why?" in out
    assert "Proef" not in out and "Waarom?" not in out


def test_resume_with_nothing_to_resume() -> None:
    """--resume after a finished game says so and starts again."""
    run_play(str(SAMPLE), "2\nskip\n", lang="en")
    code, out = run_play(str(SAMPLE), "quit\n", lang="en", resume=True)
    assert code == 0 and "nothing to resume" in out and "What does he do?" in out


def test_resume_keeps_the_version_it_started(tmp_path: Path) -> None:
    """A file edited between two games does not change the game in progress; a new game gets the edit."""
    copy = tmp_path / "sample.yaml"
    copy.write_bytes(SAMPLE.read_bytes())
    run_play(str(copy), "2\nquit\n", lang="en")
    copy.write_bytes(SAMPLE.read_bytes().replace(b"en: Thank you", b"en: Thanks a lot"))
    _, resumed = run_play(str(copy), "skip\n", resume=True)
    _, fresh = run_play(str(copy), "2\nskip\n", lang="en")
    assert "Thank you" in resumed and "Thanks a lot" in fresh


def test_answers_are_kept_in_the_store(database: Path) -> None:
    """A reflection typed in the terminal lands in the database, under a pseudonym."""
    run_play(str(SAMPLE), "1\nmy honest reflection\nand more\n", lang="en")
    data = database.read_bytes() + b"".join(p.read_bytes() for p in database.parent.glob("play.sqlite3-*"))
    assert b"my honest reflection" in data and b"terminal:" not in data
    assert getpass.getuser().encode() not in data


def test_local_key_without_secret(database: Path) -> None:
    """Without GOODWORK_SECRET, play warns and keeps a private key file beside the database, reused next time."""
    _, out = run_play(str(SAMPLE), "quit\n")
    key = database.with_name("play.sqlite3.play-key")
    assert "GOODWORK_SECRET is not set" in out and stat.S_IMODE(key.stat().st_mode) == 0o600
    first = key.read_text()
    code, _ = run_play(str(SAMPLE), "quit\n")
    assert code == 0 and key.read_text() == first


def test_damaged_key_file_is_named(database: Path) -> None:
    """A key file that was emptied stops play with a message naming the file."""
    database.with_name("play.sqlite3.play-key").write_text("short")
    out = io.StringIO()
    args = Namespace(dialogue=str(SAMPLE), lang=None, dialogues=ROOT / "dialogues", resume=False)
    with pytest.raises(ConfigError, match="play key is damaged"):
        play.run(args, io.StringIO(""), out, out)


def test_postgresql_without_a_secret_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A local key is kept beside a SQLite file only: on PostgreSQL, play asks for the secret, and makes no file."""
    monkeypatch.setenv("GOODWORK_DB", "postgresql://goodwork@127.0.0.1:9/goodwork")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    args = Namespace(dialogue=str(SAMPLE), lang=None, dialogues=ROOT / "dialogues", resume=False)
    with pytest.raises(ConfigError, match="GOODWORK_SECRET is not set: play keeps a local key only beside a SQLite"):
        play.run(args, io.StringIO(""), out, out)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_console_script_plays_martin(lang: str, database: Path) -> None:
    """`python -m bot play martin` runs from the repository with piped input."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "play", "martin", "--lang", lang],
        input="1\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "GOODWORK_DB": str(database)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Martin" in done.stdout and "Stopped" in done.stdout
