"""``goodwork report``: a folder with report.csv and index.html, from the store, without a trace of anyone."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from programme import CHAT, REFLECTION, SECRET, programme

from bot.cli.main import build_parser, main
from bot.store.keys import Keys


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GOODWORK_DB", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    monkeypatch.setenv("GOODWORK_MIN_GROUP", "3")
    return tmp_path / "bot.sqlite3"


def rows(folder: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((folder / "report.csv").read_text("utf-8"))))


def test_the_report_folder(database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The folder is made and both files are in it, with every figure of k people or more."""
    programme(database, {"Utrecht": 6, "Zwolle": 3}, finished=4)
    folder = tmp_path / "public" / "2026"
    assert main(["report", "--out", str(folder), "--lang", "en"]) == 0
    out, err = capsys.readouterr()
    assert f"wrote {folder / 'report.csv'}" in out and f"wrote {folder / 'index.html'}" in out
    assert err == "", "no progress line when output is not a terminal"
    table = rows(folder)
    assert list(table[0]) == ["course", "tranche", "dialogue", "week", "measure", "value", "note"]
    figures = {(r["tranche"], r["dialogue"], r["measure"]): r["value"] for r in table if r["course"]}
    assert [figures["Utrecht", "", "enrolled"], figures["Zwolle", "", "enrolled"], figures["", "", "enrolled"]] == [
        "6",
        "3",
        "9",
    ]
    assert figures["Utrecht", "Sample", "completed"] == "4" and figures["Zwolle", "Sample", "completed"] == "3"
    assert figures["Utrecht", "Sample", "completion_rate"] == "0.67"
    page = (folder / "index.html").read_text("utf-8")
    assert "Utrecht" in page and "<script" not in page


def test_a_small_tranche_cannot_be_worked_out(database: Path, tmp_path: Path) -> None:
    """A tranche under k is left out with a note, and so is one more figure of its course's sum."""
    programme(database, {"Utrecht": 6, "Zwolle": 2}, finished=0)
    assert main(["report", "--out", str(tmp_path / "r")]) == 0
    enrolled = {r["tranche"]: r for r in rows(tmp_path / "r") if r["course"] and r["measure"] == "enrolled"}
    assert enrolled["Zwolle"]["value"] == "" and enrolled["Zwolle"]["note"]
    assert "" in (enrolled["Utrecht"]["value"], enrolled[""]["value"]), "6 and a total of 8 would give Zwolle's 2"


def test_nothing_personal_in_the_files(database: Path, tmp_path: Path) -> None:
    """No chat id, pseudonym or reflection text reaches the report files."""
    programme(database, {"Utrecht": 5}, finished=5)
    assert main(["report", "--out", str(tmp_path / "r")]) == 0
    keys = Keys(SECRET)
    written = b"".join(path.read_bytes() for path in (tmp_path / "r").iterdir())
    assert REFLECTION.encode() not in written
    for chat in range(CHAT + 1, CHAT + 6):
        identity = keys.telegram(chat)
        for trace in (str(chat), identity.person, identity.contact):
            assert trace.encode() not in written


def test_a_report_is_replaced_whole(database: Path, tmp_path: Path) -> None:
    """Writing again replaces the files; no partial file is left behind."""
    programme(database, {"Utrecht": 5}, finished=0)
    folder = tmp_path / "r"
    assert main(["report", "--out", str(folder), "--lang", "nl"]) == 0
    assert main(["report", "--out", str(folder), "--lang", "en"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "report.csv"]
    assert 'lang="en"' in (folder / "index.html").read_text("utf-8")


def test_refusals(database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A period that ends before it starts, a file where the folder should be, and a bad date: one line each."""
    programme(database, {"Utrecht": 1}, finished=0)
    assert main(["report", "--out", str(tmp_path / "r"), "--from", "2026-12-01", "--to", "2026-11-01"]) == 2
    assert "after" in capsys.readouterr().err
    assert main(["report", "--out", str(tmp_path / "r"), "--from", "2999-01-01"]) == 2
    err = capsys.readouterr().err
    assert "after today" in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "r").exists()
    (tmp_path / "taken").write_text("x")
    assert main(["report", "--out", str(tmp_path / "taken")]) == 2
    assert "not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "--out", str(tmp_path / "r"), "--from", "yesterday"])
    assert "expected a date" in capsys.readouterr().err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_how_far_counting_is(database: Path, tmp_path: Path) -> None:
    """On a terminal the count of people goes up to everyone enrolled, and the line is cleared at the end."""
    programme(database, {"Utrecht": 6, "Zwolle": 3}, finished=1)
    out, err = io.StringIO(), Terminal()
    args = build_parser().parse_args(["report", "--out", str(tmp_path / "r")])
    assert args.run(args, out, err) == 0
    assert "counting people: 9 of 9 (100 %)" in err.getvalue() and err.getvalue().endswith("\r\033[K")
    assert "wrote" in out.getvalue() and "counting" not in out.getvalue()
