"""The scripts that measure the promises keep working (tiny sizes; their figures are never asserted)."""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

import pytest

CRASH = Path(__file__).with_name("bench_crash.py")
ISOLATION = Path(__file__).with_name("bench_isolation.py")


def run(script: Path, arguments: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(sys, "argv", [str(script), *arguments])
    runpy.run_path(str(script), run_name="__main__")
    return capsys.readouterr().out


def test_crash_benchmark_prints_every_figure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quick run with two kills prints actions, waits, losses, repeats, ids found per file and recovery times."""
    out = run(CRASH, ["--people", "5", "--kills", "2", "--seconds", "6", "--patience", "5"], capsys, monkeypatch)
    for figure in (
        "actions (steps) in all",
        "kills",
        "people left waiting",
        "answers acknowledged",
        "answers lost",
        "steps applied twice",
        "people whose id is in the files",
        "in bench.sqlite3 ",
        "recovery: polling again",
        "recovery: answering again",
    ):
        assert figure in out, out
    assert re.search(r"^  kills +2$", out, re.MULTILINE) and "(2 restarts)" in out, out
    steps = re.search(r"^  actions \(steps\) in all +(\d+)$", out, re.MULTILINE)
    assert steps is not None and int(steps.group(1)) >= 5, out  # people really walked: the replies were recognised


def test_isolation_benchmark_prints_every_figure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quick run prints the three phases side by side with ratios, and the trainer's wait for both uploads."""
    arguments = ["--people", "6", "--limited", "2", "--seconds", "3", "--upload-kb", "20"]
    arguments += ["--limit-seconds", "2", "--patience", "4", "--window", "1"]
    out = run(ISOLATION, arguments, capsys, monkeypatch)
    for figure in (
        "(a) baseline: everyone",
        "(b) with 2 limited: the others",
        "(c) valid upload: the others",
        "(c) broken upload: the others",
        "p95 ms",
        "p95 x",
        "limited accounts:",
        "trainer's valid upload",
        "trainer's broken upload",
    ):
        assert figure in out, out
