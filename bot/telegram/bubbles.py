"""The bubbles of one dialogue step as few Telegram messages: paragraphs of one message, split only where needed.

A step of a dialogue may say several things before it asks; sent one by one they
buzz a phone once each and cost a Bot API call each (the introduction sent seven
or eight a step). Here consecutive bubbles become paragraphs of one message, the
question last, and a message is split only where Telegram's 4,096 characters
force it: between paragraphs where possible, else at a line break or a space,
else anywhere. An image takes the text before it as its caption when it fits
Telegram's 1,024 characters. Lengths count as Telegram counts them: in UTF-16
code units, so an emoji outside the basic plane counts two.
"""

from __future__ import annotations

MESSAGE_LIMIT = 4096  # characters in one Telegram message
CAPTION_LIMIT = 1024  # characters in the caption of a photo
PARAGRAPH = "\n\n"


def messages(paragraphs: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """``paragraphs`` joined by blank lines into as few messages of at most ``limit`` characters as they fit."""
    out: list[str] = []
    current, size = "", 0
    for paragraph in paragraphs:
        for piece in _pieces(paragraph, limit):
            grown = size + len(PARAGRAPH) + units(piece)
            if current and grown <= limit:
                current, size = f"{current}{PARAGRAPH}{piece}", grown
                continue
            if current:
                out.append(current)
            current, size = piece, units(piece)
    if current:
        out.append(current)
    return out


def caption(paragraphs: list[str]) -> str | None:
    """``paragraphs`` as one photo caption, or None when they do not fit in one."""
    joined = PARAGRAPH.join(paragraphs)
    return joined if units(joined) <= CAPTION_LIMIT else None


def units(text: str) -> int:
    """The length of ``text`` as Telegram counts it (UTF-16 code units)."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """The start of ``text`` that fits ``limit`` as Telegram counts (a caption the bot made), never half a character."""
    window = text[:limit]
    while (excess := units(window) - limit) > 0:  # astral characters count two: drop half the excess
        window = window[: len(window) - (excess + 1) // 2]
    return window


def _pieces(paragraph: str, limit: int) -> list[str]:
    """One paragraph cut to pieces of at most ``limit``: at the last line break, else space, before the limit."""
    pieces = []
    while units(paragraph) > limit:
        window = cut(paragraph, limit)
        cut_at = max(window.rfind("\n"), window.rfind(" "))
        if cut_at <= 0:
            cut_at = len(window)
        if piece := paragraph[:cut_at].rstrip():
            pieces.append(piece)
        paragraph = paragraph[cut_at:].lstrip()
    if paragraph:
        pieces.append(paragraph)
    return pieces
