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
