"""The benchmark script keeps working (tiny sizes; its figures are not asserted)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("bench_engine.py")


def test_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A quick run prints every figure and its generated dialogue validates."""
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "--steps", "300", "--nodes", "40", "--rounds", "1"])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    assert out.count("steps/s") == 3 and "back after" in out and "validate: 40 nodes" in out


STORE_SCRIPT = Path(__file__).with_name("bench_store.py")


def test_store_benchmark_prints_its_figures(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quick store run prints the 1- and 50-writer rates of both kinds of step, their ratio and the target."""
    monkeypatch.setattr(sys, "argv", [str(STORE_SCRIPT), "--steps", "100", "--rounds", "1"])
    runpy.run_path(str(STORE_SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    assert "1 writer" in out and "50 writers" in out and "ratio" in out and "target >= 2,000" in out
    assert "Conversations.apply" in out and "store.commit_step" in out


BOT_SCRIPT = Path(__file__).with_name("bench_bot.py")


def test_bot_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A quick run of both bots against the fake server completes every action and prints the comparison."""
    monkeypatch.setattr(sys, "argv", [str(BOT_SCRIPT), "--people", "4", "--pause", "0.1", "--seconds", "1"])
    monkeypatch.setattr(sys, "argv", [*sys.argv, "--burst-seconds", "1"])
    runpy.run_path(str(BOT_SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    assert "goodwork" in out and "baseline" in out and "CPU ms/action" in out and "p95 ms" in out
    failures = next(line for line in out.splitlines() if line.strip().startswith("failures")).split()
    assert failures[1:3] == ["0.0", "0.0"], out


OUTBOX_SCRIPT = Path(__file__).with_name("bench_outbox.py")


def test_outbox_benchmark_prints_its_figures(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quick run at two limits sends every follow-up and prints the rate, its share of L and the 429s."""
    arguments = ["--rows", "20", "--limits", "50,200", "--seconds", "0.2"]
    monkeypatch.setattr(sys, "argv", [str(OUTBOX_SCRIPT), *arguments])
    runpy.run_path(str(OUTBOX_SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    assert "achieved/s" in out and "share of L" in out and "429s" in out and "note:" not in out, out
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["50"], ["200"])]
    assert [(row[0], row[1]) for row in rows] == [("50", "10"), ("200", "20")], out
