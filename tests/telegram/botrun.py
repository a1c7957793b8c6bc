"""The real bot, run against the fake Telegram: ``async with running_bot(tg, folder) as bot: ...``."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fakeapi import FakeTelegram

from bot.config import Settings
from bot.store.sqlite import utc_now
from bot.telegram.app import Bot, Worker
from bot.telegram.services import Courses

DATA = Path(__file__).with_name("data")
SECRET = "telegram-tests-secret-" + "z" * 32


def dialogues_folder(tmp_path: Path, *names: str) -> Path:
    """A dialogues folder holding the named files from tests/telegram/data (all when none are named)."""
    folder = tmp_path / "dialogues"
    folder.mkdir(exist_ok=True)
    for source in DATA.glob("*.yaml"):
        if not names or source.stem in names:
            shutil.copy(source, folder / source.name)
    return folder


def settings_for(tg: FakeTelegram, tmp_path: Path, folder: Path, extra: Mapping[str, str] | None = None) -> Settings:
    return Settings.from_env(
        {
            "GOODWORK_TOKEN": tg.token,
            "GOODWORK_API_URL": tg.api_url,
            "GOODWORK_DB": str(tmp_path / "bot.sqlite3"),
            "GOODWORK_SECRET": SECRET,
            "GOODWORK_DIALOGUES": str(folder),
            "GOODWORK_PACING_MS": "0",
            **(extra or {}),
        }
    )


@asynccontextmanager
async def running_bot(
    settings: Settings,
    tg: FakeTelegram,
    clock: Callable[[], datetime] = utc_now,
    *,
    courses: Courses | None = None,
    workers: Sequence[Worker] = (),
) -> AsyncIterator[Bot]:
    """Start ``goodwork run``'s bot (with ``courses`` to join and background ``workers``), wait until it polls
    (or has set its webhook); stop it and wait for it afterwards."""
    bot = Bot(settings, clock, courses=courses, workers=workers)
    hooks = len(tg.calls_to("setWebhook"))  # an earlier run may have set the webhook already
    serving = asyncio.ensure_future(bot.serve())
    try:
        for _ in range(500):
            if (len(tg.calls_to("setWebhook")) > hooks if settings.webhook_url else tg.polled) or serving.done():
                break
            await asyncio.sleep(0.01)
        if serving.done():
            serving.result()  # raise what stopped it
        yield bot
    finally:
        bot.stop()
        await asyncio.wait_for(serving, 10)
