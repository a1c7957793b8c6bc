"""Every button's callback data, decoded in one place.

Dialogue buttons use the dialogue package's own format (``c:…`` and ``s:…``,
tied to dialogue, version and node). The bot's own buttons are short:

    l:<language>[:s]   choose a language (``:s`` during /start: go on to the introduction)
    o:<dialogue>       open a dialogue from /sessions
    f:y | f:n          confirm or keep, after /forget

Anything else is forged or foreign and raises ``ButtonError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

from bot.dialogue import buttons
from bot.dialogue.buttons import ButtonError
from bot.dialogue.model import DialogueId
from bot.telegram.texts import LANGUAGES

_DIALOGUE_ID = re.compile(r"[a-z][a-z0-9_-]{0,31}")


@dataclass(frozen=True, slots=True)
class LanguageButton:
    language: str
    onboarding: bool = False

    @property
    def data(self) -> str:
        return f"l:{self.language}" + (":s" if self.onboarding else "")


@dataclass(frozen=True, slots=True)
class OpenButton:
    dialogue: DialogueId

    @property
    def data(self) -> str:
        return f"o:{self.dialogue}"


@dataclass(frozen=True, slots=True)
class ForgetButton:
    confirmed: bool

    @property
    def data(self) -> str:
        return "f:y" if self.confirmed else "f:n"


Pressed: TypeAlias = buttons.Button | LanguageButton | OpenButton | ForgetButton


def decode(data: str | None) -> Pressed:
    """What a press means, or ButtonError for data this bot did not make."""
    if not data:
        raise ButtonError("empty button data")
    kind, _, rest = data.partition(":")
    if kind in ("c", "s"):
        return buttons.decode(data)
    if kind == "l":
        language, _, flag = rest.partition(":")
        if language in LANGUAGES and flag in ("", "s"):
            return LanguageButton(language, flag == "s")
    if kind == "o" and _DIALOGUE_ID.fullmatch(rest):
        return OpenButton(DialogueId(rest))
    if data in ("f:y", "f:n"):
        return ForgetButton(data == "f:y")
    raise ButtonError(f"unknown button data {data[:64]!r}")
