"""`goodwork course`: open a tranche (link and QR code), list it with counts, close it."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from programme import SECRET, programme

from bot.cli.main import EX_CONFIG, main

ROOT = Path(__file__).parents[2]


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOODWORK_DB", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("GOODWORK_SECRET", "course-secret-" + "c" * 32)
    monkeypatch.setenv("GOODWORK_DIALOGUES", str(ROOT / "dialogues"))
    monkeypatch.setenv("GOODWORK_BOT_USERNAME", "GoodWorkBot")
    return tmp_path


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_open_list_close(environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Opening prints a t.me join link with an unguessable code and writes a QR PNG; list counts; close closes."""
    assert main(["course", "open", "art-of-connecting", "--tranche", "Utrecht maart", "--date", "2026-03-14"]) == 0
    out = capsys.readouterr().out
    link = next(line.split()[-1] for line in out.splitlines() if line.startswith("join link:"))
    assert link.startswith("https://t.me/GoodWorkBot?start=c_") and len(link.split("c_", 1)[1]) >= 16
    width, height = png_size(environment / "art-of-connecting-utrecht-maart.png")
    assert width == height >= 250
    assert main(["course", "list"]) == 0
    listed = capsys.readouterr().out
    assert "Utrecht maart" in listed and " 0  open" in listed
    code = link.split("c_", 1)[1]
    assert main(["course", "close", f"c_{code}"]) == 0
    assert "closed" in capsys.readouterr().out
    main(["course", "list", "art-of-connecting"])
    assert "closed" in capsys.readouterr().out
    assert main(["course", "close", code]) == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["art-of-conecting"], "did you mean 'art-of-connecting'?", id="typo"),
        pytest.param(["art-of-connecting", "--unset-username"], "GOODWORK_BOT_USERNAME is not set", id="username"),
    ],
)
def test_open_refusals(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    """An unknown course or a missing bot username stops with one line naming the problem (a configuration error)."""
    if "--unset-username" in arguments:
        monkeypatch.delenv("GOODWORK_BOT_USERNAME")
        arguments = arguments[:1]
    assert main(["course", "open", *arguments, "--tranche", "x", "--date", "2026-03-14"]) == EX_CONFIG
    assert message in capsys.readouterr().err


def qr_line(out: str) -> Path:
    return Path(next(line for line in out.splitlines() if line.startswith("QR code:")).split(maxsplit=2)[2])


@pytest.mark.parametrize("qr", [None, "codes/zwolle.png"], ids=["default", "relative"])
def test_open_prints_where_the_qr_code_went(
    environment: Path, capsys: pytest.CaptureFixture[str], qr: str | None
) -> None:
    """The QR code's file is printed as an absolute path: by default in the current folder, or where --qr says."""
    (environment / "codes").mkdir()
    extra = ["--qr", qr] if qr else []
    assert main(["course", "open", "art-of-connecting", "--tranche", "Zwolle", "--date", "2026-05-01", *extra]) == 0
    written = qr_line(capsys.readouterr().out)
    assert written.is_absolute() and written.is_file()
    assert written == environment / (qr or "art-of-connecting-zwolle.png")


def test_qr_in_a_missing_folder_is_refused_first(capsys: pytest.CaptureFixture[str]) -> None:
    """A --qr in a folder that does not exist is refused before the tranche is opened."""
    with pytest.raises(SystemExit) as exited:
        main(["course", "open", "art-of-connecting", "--tranche", "Ede", "--date", "2026-05-01", "--qr", "no/x.png"])
    assert exited.value.code == 2 and "does not exist" in capsys.readouterr().err
    assert main(["course", "list"]) == 0
    assert "Ede" not in capsys.readouterr().out


def test_same_tranche_name_twice(capsys: pytest.CaptureFixture[str]) -> None:
    """A second tranche with the same name for the same course is refused clearly."""
    opening = ["course", "open", "art-of-connecting", "--tranche", "Zwolle", "--date", "2026-05-01"]
    assert main(opening) == 0
    assert main(opening) == 2
    assert "already has a tranche named 'Zwolle'" in capsys.readouterr().err


def test_outbox_status_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """`goodwork outbox status` lists every status with its count, unknown outcomes included."""
    assert main(["outbox", "status"]) == 0
    out = capsys.readouterr().out
    for status in ("pending", "sending", "sent", "failed", "cancelled", "unknown"):
        assert status in out


def test_working_hours_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """GOODWORK_HOURS is read in GOODWORK_TZ; days or times that do not exist are refused naming the variable."""
    from bot.cli.run import working_hours
    from bot.config import ConfigError, Settings

    hours = working_hours(
        Settings.from_env({"GOODWORK_HOURS": "mon,wed 10:00-12:00", "GOODWORK_TZ": "Europe/Brussels"})
    )
    assert str(hours) == "mon,wed 10:00-12:00" and str(hours.tz) == "Europe/Brussels"
    with pytest.raises(ConfigError, match="GOODWORK_HOURS: working hours: unknown day 'mnd'"):
        working_hours(Settings.from_env({"GOODWORK_HOURS": "mnd-fri 09:00-17:00"}))


def test_list_shows_completion_with_the_reports_suppression(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Below each tranche: its toolkit completion and follow-up figures, left out as the public report leaves them."""
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    monkeypatch.setenv("GOODWORK_MIN_GROUP", "3")
    programme(environment / "bot.sqlite3", {"Utrecht": 6, "Zwolle": 3, "Delft": 2}, finished=3)
    assert main(["course", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    below = {out[i].split()[1]: out[i + 1] for i, line in enumerate(out[:-1]) if line.startswith("art-of-connecting")}
    shown = {"Utrecht": "completed: Sample 3 (50%)", "Zwolle": "completed: Sample 3 (100%)"}
    assert "completed: Sample – " in below["Delft"] + " ", "2 people: fewer than k"
    for tranche, figure in shown.items():
        assert figure in below[tranche] or "completed: Sample –*" in below[tranche], "its figure, or left out to guard"
    assert all("follow-ups answered/sent:" in line for line in below.values())
    assert out[-1].startswith("–: fewer than 3 people")
    assert " 2  open" in next(line for line in out if " Delft " in line), "the enrolment counter itself is shown"
