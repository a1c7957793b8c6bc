"""A tranche's join link and its QR code, for the command line and for /course in chat."""

from __future__ import annotations

import io

import segno

PAYLOAD_PREFIX = "c_"


def join_link(bot_username: str, code: str) -> str:
    """``https://t.me/<bot>?start=c_<code>``: opening it enrols the person in the tranche."""
    return f"https://t.me/{bot_username}?start={PAYLOAD_PREFIX}{code}"


def qr_png(link: str, scale: int = 10) -> bytes:
    """The link as a PNG QR code, big enough to scan from the back of a room when projected."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
