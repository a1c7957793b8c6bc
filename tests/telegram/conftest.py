"""Fixtures for the Telegram tests: a fake Telegram Bot API server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fakeapi import FakeTelegram


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta time periods.

    Without it PTB 22 emits a PTBDeprecationWarning whenever a time period is read as a number,
    even inside ``RetryAfter.__init__``; with warnings as errors a 429 would then surface as that
    warning instead of ``RetryAfter``.
    """
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """A started fake Telegram; stopped after the test, whatever happened."""
    async with FakeTelegram(quiet=0.01) as fake:
        yield fake
