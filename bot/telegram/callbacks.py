"""Every button's callback data, decoded in one place.

Dialogue buttons use the dialogue package's own format (``c:…`` and ``s:…``,
tied to dialogue, version and node). The bot's own buttons are short:

    l:<language>[:s[:<link>]]   choose a language (``:s`` during /start: go on to the introduction, or
                       to where the deep link ``/start <link>`` the person came by points)
    o:<dialogue>       open a dialogue from /sessions
    m:<page>           another page of /sessions (0 is the first)
    f:y:<code> | f:n   erase (with the one-time code the /forget prompt issued) or keep
    h:<dialogue>:<version>:<node> | h:n   share a reflection with the course group (the dialogue package's
                       consent data), or keep it private
    w:<dialogue>:<node>  withdraw a shared reflection (from /shared)
    u:<p|y|n>:<draft>  a trainer's draft: preview, publish (yes) or discard (no)
    p:c:<node>:<option> | p:s:<node>   an option or "skip" in a trainer's preview of their draft
    r:<dialogue>:<n>   roll a dialogue back to version n (republished as the newest)

Anything else is forged or foreign and raises ``ButtonError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

from bot.dialogue import buttons
from bot.dialogue.errors import ButtonError
from bot.dialogue.loader import DIALOGUE_ID
from bot.dialogue.model import DialogueId, NodeId, OptionId
from bot.telegram.texts import LANGUAGES

_LINK = re.compile(r"[A-Za-z0-9_-]{1,40}")  # d_ + a dialogue id of 32, c_ or t_ + a code of 16: all fit
MAX_PAGE = 99  # a page number above this is forged whatever the list holds


def carries(link: str) -> bool:
    """Whether a language button can carry the deep link ``link`` (anything else is no link the bot made)."""
    return _LINK.fullmatch(link) is not None


@dataclass(frozen=True, slots=True)
class LanguageButton:
    """Choose ``language``; during /start (``onboarding``) go on to the introduction, or to ``link`` if given."""

    language: str
    onboarding: bool = False
    link: str = ""

    @property
    def data(self) -> str:
        return f"l:{self.language}" + (":s" if self.onboarding else "") + (f":{self.link}" if self.link else "")


@dataclass(frozen=True, slots=True)
class OpenButton:
    dialogue: DialogueId

    @property
    def data(self) -> str:
        return f"o:{self.dialogue}"


@dataclass(frozen=True, slots=True)
class PageButton:
    """Page ``page`` of /sessions (0 is the first)."""

    page: int

    @property
    def data(self) -> str:
        return f"m:{self.page}"


@dataclass(frozen=True, slots=True)
class ForgetButton:
    """Erase (``code``: the one-time value the prompt issued) or keep everything (``code`` None)."""

    code: str | None = None

    @property
    def data(self) -> str:
        return "f:n" if self.code is None else f"f:y:{self.code}"


@dataclass(frozen=True, slots=True)
class ShareButton:
    """After a reflection with ``share: true``: share it (``consent``) or keep it private (None)."""

    consent: buttons.ConsentButton | None = None

    @property
    def data(self) -> str:
        if self.consent is None:
            return "h:n"
        return buttons.consent_data(self.consent.dialogue, self.consent.version, self.consent.node)


@dataclass(frozen=True, slots=True)
class WithdrawButton:
    """Take a shared reflection back (from /shared)."""

    dialogue: DialogueId
    node: NodeId

    @property
    def data(self) -> str:
        return f"w:{self.dialogue}:{self.node}"


_DRAFT_ACTIONS = {"p": "preview", "y": "publish", "n": "discard"}
_NODE = r"[^\W\d][\w-]*"
_PREVIEW = re.compile(rf"c:({_NODE}):({_NODE})|s:({_NODE})")
_ROLLBACK = re.compile(rf"({DIALOGUE_ID.pattern}):([0-9]{{1,10}})")
_FORGET_CODE = re.compile(r"[A-Za-z0-9_-]{8,16}")
_WITHDRAW = re.compile(rf"({DIALOGUE_ID.pattern}):({_NODE})")


@dataclass(frozen=True, slots=True)
class DraftButton:
    action: str  # "preview", "publish" or "discard"
    draft: int

    @property
    def data(self) -> str:
        code = next(key for key, action in _DRAFT_ACTIONS.items() if action == self.action)
        return f"u:{code}:{self.draft}"


@dataclass(frozen=True, slots=True)
class PreviewButton:
    node: NodeId
    option: OptionId | None = None  # None: the "skip" button

    @property
    def data(self) -> str:
        return f"p:c:{self.node}:{self.option}" if self.option is not None else f"p:s:{self.node}"


@dataclass(frozen=True, slots=True)
class RollbackButton:
    dialogue: DialogueId
    version: int

    @property
    def data(self) -> str:
        return f"r:{self.dialogue}:{self.version}"


TrainerButton: TypeAlias = DraftButton | PreviewButton | RollbackButton
Pressed: TypeAlias = (
    buttons.Button
    | LanguageButton
    | OpenButton
    | PageButton
    | ForgetButton
    | ShareButton
    | WithdrawButton
    | TrainerButton
)


def decode(data: str | None) -> Pressed:
    """What a press means, or ButtonError for data this bot did not make."""
    if not data:
        raise ButtonError("empty button data")
    kind, _, rest = data.partition(":")
    if kind in ("c", "s"):
        return buttons.decode(data)
    if kind == "l":
        return _language(data, rest)
    if kind == "o" and DIALOGUE_ID.fullmatch(rest):
        return OpenButton(DialogueId(rest))
    if kind == "m":
        return PageButton(buttons.canonical_number(rest, limit=MAX_PAGE + 1))
    if data == "f:n":
        return ForgetButton()
    if kind == "f" and rest.startswith("y:") and _FORGET_CODE.fullmatch(rest[2:]):
        return ForgetButton(rest[2:])
    if kind == "h":
        return ShareButton() if data == "h:n" else ShareButton(buttons.decode_consent(data))
    if kind == "w" and len(data.encode()) <= buttons.MAX_BYTES and (withdraw := _WITHDRAW.fullmatch(rest)):
        return WithdrawButton(DialogueId(withdraw.group(1)), NodeId(withdraw.group(2)))
    return _trainer(data, kind, rest)


def _language(data: str, rest: str) -> LanguageButton:
    language, _, flag = rest.partition(":")
    flag, _, link = flag.partition(":")
    onboarding = flag == "s" and (link == "" or carries(link))
    if language in LANGUAGES and ((flag, link) == ("", "") or onboarding):
        return LanguageButton(language, onboarding, link)
    raise ButtonError(f"unknown button data {data[:64]!r}")


def _trainer(data: str, kind: str, rest: str) -> Pressed:
    code, _, number = rest.partition(":")
    if kind == "u" and code in _DRAFT_ACTIONS:
        return DraftButton(_DRAFT_ACTIONS[code], buttons.canonical_number(number))
    if kind == "p" and len(data.encode()) <= buttons.MAX_BYTES and (preview := _PREVIEW.fullmatch(rest)):
        node, option, skipped = preview.groups()
        return PreviewButton(NodeId(node), OptionId(option)) if skipped is None else PreviewButton(NodeId(skipped))
    if kind == "r" and (rollback := _ROLLBACK.fullmatch(rest)):
        return RollbackButton(DialogueId(rollback.group(1)), buttons.canonical_number(rollback.group(2)))
    raise ButtonError(f"unknown button data {data[:64]!r}")
