"""The digest benchmark keeps working (a tiny run; its figures are never asserted)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("bench_digest.py")


def test_digest_benchmark_prints_every_figure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quick run queues and sends digests and prints queueing time and memory, rate, share, 429s, CPU."""
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "--quick"])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    for figure in (
        "digests queued",
        "queue seconds",
        "peak memory while queueing",
        "RSS just before queueing",
        "queued by a second call",
        "first digest after the bot started",
        "digests received",
        "digests a second",
        "share of the limit",
        "429s",
        "pauses over",
        "bot CPU per digest",
        "bot peak memory",
        "people with 0 / 1 / more digests",
        "digests with a cohort pulse",
        "longest digest",
        "outbox after the run",
    ):
        assert figure in out, out
