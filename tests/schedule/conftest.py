"""Fixtures for the schedule tests: the Telegram tests' fake Bot API server, reused by name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TELEGRAM_TESTS = str(Path(__file__).resolve().parent.parent / "telegram")
if TELEGRAM_TESTS not in sys.path:
    sys.path.insert(0, TELEGRAM_TESTS)  # fakeapi.py and person.py live there, imported by name


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta time periods, so a 429 surfaces as ``RetryAfter``, not a deprecation warning."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
