"""The report benchmark keeps working (a tiny run; its figures are never asserted)."""

from __future__ import annotations

import csv
import re
import runpy
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("bench_report.py")


def test_report_benchmark_prints_its_figures_and_writes_the_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A run for 300 people prints the build, the report's seconds and peak memory, and writes both files."""
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "--people", "300", "--out", str(tmp_path)])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    assert re.search(r"^build 300 people: [\d.]+ s \(not part of the figure\): \d+ tranches, ", out, re.M), out
    assert re.search(r"^report 300 people: [\d.]+ s, peak \d+ MB \(aim at 100,000: < 10 s, < 300 MB\)$", out, re.M), out
    assert re.search(r"^  first day [\d.]+ s, counting [\d.]+ s, files [\d.]+ s ", out, re.M), out
    with (tmp_path / "300" / "report.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    enrolled = [row["value"] for row in rows if row["measure"] == "enrolled" and not row["course"]]
    assert len(rows) > 100 and enrolled == ["300"], rows[:3]
    assert f"report.csv: {len(rows):,} rows" in out
    assert (tmp_path / "300" / "index.html").stat().st_size > 0
