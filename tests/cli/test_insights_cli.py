"""`goodwork dialogues insights`: where people give up, as a CSV table or the dialogue's graph annotated."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.dialogue.events import Answer, Choose, Start
from bot.dialogue.model import DialogueId, OptionId
from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations
from bot.store.keys import Keys
from bot.store.sqlite import SqliteStore

SAMPLE = Path(__file__).parents[1] / "dialogue" / "data" / "sample.yaml"
SECRET = "insights-cli-secret-" + "i" * 32


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GOODWORK_DB", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    monkeypatch.setenv("GOODWORK_MIN_GROUP", "3")
    return tmp_path / "bot.sqlite3"


def walk(database: Path, people: int) -> None:
    """``people`` start the sample dialogue and choose; everyone but the first answers the next question too."""

    async def play() -> None:
        keys = Keys(SECRET)
        async with await SqliteStore.open(database, keys=keys) as store:
            conversations = Conversations(store, Catalogue(store))
            await conversations.catalogue.publish(SAMPLE.read_bytes(), "sample.yaml", "test")
            for number in range(people):
                person, dialogue = keys.telegram(number).person, DialogueId("sample")
                await conversations.apply(person, dialogue, Start("en"))
                await conversations.apply(person, dialogue, Choose(OptionId("write")))
                if number:
                    await conversations.apply(person, dialogue, Answer("because it matters"))

    asyncio.run(play())


def table(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def test_csv_of_a_dialogue(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The CSV table has the promised header, whole counts from k on, and empty cells with a note below k."""
    walk(database, 4)
    assert main(["dialogues", "insights", "sample", "--csv"]) == 0
    rows = table(capsys.readouterr().out)
    assert set(rows[0]) == {"dialogue", "version", "node", "kind", "measure", "value", "note"}
    started = next(r for r in rows if r["measure"] == "started")
    assert started["value"] == "4" and started["version"] == "all"
    hidden = [r for r in rows if r["value"] == ""]
    assert hidden and all(r["note"] for r in hidden)
    assert all(r["value"].isdigit() or "." in r["value"] or r["value"] == "" for r in rows)


def test_every_figure_hidden_is_still_a_success(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With fewer than k people, every figure is hidden and the command still succeeds."""
    walk(database, 2)
    assert main(["dialogues", "insights", "sample", "--csv"]) == 0
    rows = table(capsys.readouterr().out)
    assert rows and all(r["value"] == "" for r in rows)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_the_graph_is_annotated(database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out draws the dialogue's graph with each node's figures; the figures are printed too."""
    walk(database, 4)
    out = tmp_path / "sample.svg"
    assert main(["dialogues", "insights", "sample", "--out", str(out), "--lang", "en"]) == 0
    svg = out.read_text()
    assert svg.startswith("<?xml") and "reached 4" in svg
    assert f"wrote {out}" in capsys.readouterr().out


def test_unknown_dialogue_and_bad_arguments(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown dialogue is one line and exit 1; a picture format it cannot tell is exit 2; --version 0 is refused."""
    walk(database, 1)
    assert main(["dialogues", "insights", "nothing", "--csv"]) == 1
    assert "nothing" in capsys.readouterr().err
    assert main(["dialogues", "insights", "sample", "--out", "x.gif"]) == 2
    with pytest.raises(SystemExit):
        main(["dialogues", "insights", "sample", "--csv", "--version", "0"])
