"""`goodwork dialogues`: push, list, sync, versions and rollback against the configured database."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "dialogue" / "data" / "sample.yaml"


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GOODWORK_DB", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("GOODWORK_SECRET", "dialogues-secret-" + "d" * 32)
    folder = tmp_path / "dialogues"
    folder.mkdir()
    (folder / "sample.yaml").write_bytes(SAMPLE.read_bytes())
    monkeypatch.setenv("GOODWORK_DIALOGUES", str(folder))
    return folder


def test_push_versions_and_rollback(environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Pushing a changed file makes the next version; the same text is not a new one; rollback republishes."""
    draft = environment / "sample.yaml"
    assert main(["dialogues", "push", str(draft)]) == 0
    assert "sample: published as version 1" in capsys.readouterr().out
    assert main(["dialogues", "push", str(draft)]) == 0
    assert "sample: unchanged, still version 1" in capsys.readouterr().out
    draft.write_bytes(SAMPLE.read_bytes().replace(b"en: Thank you", b"en: Thanks a lot"))
    assert main(["dialogues", "push", str(draft)]) == 0
    assert "published as version 2" in capsys.readouterr().out
    assert main(["dialogues", "rollback", "sample", "1"]) == 0
    assert "version 1 is live again, as version 3" in capsys.readouterr().out
    assert main(["dialogues", "versions", "sample"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in listed] == ["3", "2", "1"] and "rollback to 1" in listed[0]
    assert main(["dialogues", "list"]) == 0
    assert "version 3" in capsys.readouterr().out


def test_push_refuses_a_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A broken file is refused with its problems as file:line:column, and nothing is published."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\nversion: [\n")
    assert main(["dialogues", "push", str(broken)]) == 1
    assert f"{broken}:" in capsys.readouterr().out
    assert main(["dialogues", "list"]) == 0
    assert "nothing published yet" in capsys.readouterr().out


def test_sync_and_unknown_versions(capsys: pytest.CaptureFixture[str]) -> None:
    """Sync publishes the folder; asking for versions of an unknown dialogue or version says so."""
    assert main(["dialogues", "sync"]) == 0
    assert "published: sample" in capsys.readouterr().out
    assert main(["dialogues", "sync"]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert main(["dialogues", "versions", "nope"]) == 1
    assert main(["dialogues", "rollback", "sample", "9"]) == 1
    assert "has no version 9" in capsys.readouterr().out


def test_push_and_sync_courses(environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A course file is published as a course version, by push and by sync (a changed one again)."""
    course = ROOT / "dialogues" / "courses" / "art-of-connecting.yaml"
    assert main(["dialogues", "push", str(course)]) == 0
    assert "course art-of-connecting: published as version 1" in capsys.readouterr().out
    (environment / "courses").mkdir()
    trial = "id: trial\nkind: course\ntitle: {nl: Proef, en: Trial}\nlanguages: [nl, en]\nfollowups:\n"
    (environment / "courses" / "trial.yaml").write_text(trial + "  - {after: 2d, dialogue: sample}\n")
    assert main(["dialogues", "sync"]) == 0
    assert "course trial" in capsys.readouterr().out
    (environment / "courses" / "trial.yaml").write_text(trial + "  - {after: 3d, dialogue: sample}\n")
    assert main(["dialogues", "sync"]) == 0
    assert "published: course trial" in capsys.readouterr().out
