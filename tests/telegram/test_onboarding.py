"""A person meets the bot: /start, a language, the privacy note, then the introduction."""

from __future__ import annotations

from pathlib import Path

from botrun import dialogues_folder, running_bot, settings_for
from fakeapi import FakeTelegram


async def test_start_language_privacy_introduction(tg: FakeTelegram, tmp_path: Path) -> None:
    """/start greets with the person's language first; choosing English shows the privacy note and the introduction."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(user_id=501, first_name="Anna", language_code="en")
        await anna.send("/start")
        greeting = await anna.replies()
        assert greeting[-1].buttons == ["English", "Nederlands"]
        await anna.press("English")
        shown = [m.text for m in await anna.replies()]
        assert any("/mydata" in t and "/forget" in t for t in shown)
        assert shown[-2:] == ["Good to have you here.", "What were you proud of?"]
        assert anna.last.buttons == ["Skip"]
