"""Pseudonyms: keyed hashes that only a holder of ``GOODWORK_SECRET`` can recompute.

One master key is stretched from the secret with scrypt (so a weak secret
still costs an attacker real work per guess), and from it one key per purpose:

    contact  keys the delivery side (participants: the sealed chat id, settings)
    person   keys the reflection side (conversation state, choices, reflections)
    erasure  marks an erasure, so that restoring a backup can erase that person again
    author   names a trainer in "published by" (matching no other column)
    check    a fixed value stored in the database to recognise the secret
    chat     (HKDF) the AES-GCM key that seals chat ids: the bot must reach people,
             but no Telegram id is ever stored in clear
    inbox    (HKDF) the AES-GCM key that seals a raw update kept until it is handled
    webhook  the secret token Telegram sends with each update to a webhook (the same on every
             instance, and across restarts, without another setting)

Because the two pseudonyms of one person come from different keys, a copy of
the database alone cannot join the two sides; the running bot, holding the
secret, recomputes both from a Telegram user id to export or erase that person.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NewType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.store.errors import SealError

Pseudonym = NewType("Pseudonym", str)

_SALT = b"goodwork-coach/pseudonyms/v1"
_SEALED = b"\x01"  # format of a sealed value: version byte, 12-byte nonce, AES-GCM ciphertext with its tag
_NONCE = 12
_TAG = 16


@dataclass(frozen=True, slots=True)
class Identity:
    """The pseudonyms of one person: the only way the code refers to someone."""

    contact: Pseudonym = field(repr=False)
    person: Pseudonym = field(repr=False)
    erasure: Pseudonym = field(default=Pseudonym(""), repr=False)


class Keys:
    """Derives pseudonyms and the chat-id key from ``GOODWORK_SECRET``; holds no other state."""

    __slots__ = ("_author", "_chat", "_check", "_contact", "_erasure", "_inbox", "_person", "_webhook")

    def __init__(self, secret: str) -> None:
        master = _stretch(secret)
        self._contact = _derive(master, "contact")
        self._person = _derive(master, "person")
        self._erasure = _derive(master, "erasure")
        self._author = _derive(master, "author")
        self._check = _derive(master, "check").hex()
        self._chat = _cipher(master, "chat-id")
        self._inbox = _cipher(master, "inbox")
        self._webhook = base64.urlsafe_b64encode(_derive(master, "webhook")).decode().rstrip("=")

    def __repr__(self) -> str:
        return "Keys(<secret>)"

    @property
    def check(self) -> str:
        """The value stored at the first migration; a different secret gives a different value."""
        return self._check

    @property
    def webhook_token(self) -> str:
        """The secret token for Telegram's webhook requests: 43 characters of ``A-Za-z0-9_-``, as Telegram takes."""
        return self._webhook

    def identity(self, who: str) -> Identity:
        """The pseudonyms for ``who``, e.g. ``telegram:12345`` or ``terminal:alice``."""
        return Identity(_pseudonym(self._contact, who), _pseudonym(self._person, who), _pseudonym(self._erasure, who))

    def telegram(self, user_id: int) -> Identity:
        return self.identity(f"telegram:{user_id}")

    def telegram_person(self, user_id: int) -> Pseudonym:
        """Only the person pseudonym of a Telegram user (one keyed hash, for matching many people at once)."""
        return _pseudonym(self._person, f"telegram:{user_id}")

    def author(self, user_id: int) -> str:
        """A trainer's short code for "published by": stable, and equal to no other stored value."""
        return _pseudonym(self._author, f"telegram:{user_id}")[:8]

    def seal_chat(self, chat_id: int, contact: Pseudonym) -> bytes:
        """``chat_id`` encrypted with a fresh nonce, bound to its contact row (moved to another row, it fails)."""
        return _seal(self._chat, chat_id.to_bytes(8, "big", signed=True), contact.encode())

    def open_chat(self, sealed: bytes, contact: Pseudonym) -> int:
        """The chat id in ``sealed``; SealError if this secret did not seal it for ``contact``."""
        if len(sealed) != 1 + _NONCE + 8 + _TAG:
            raise SealError("not a sealed chat id")
        return int.from_bytes(_open(self._chat, sealed, contact.encode(), "chat id"), "big", signed=True)

    def seal_update(self, update_id: int, raw: str) -> bytes:
        """A raw Telegram update (it holds names and text) encrypted, bound to its update id."""
        return _seal(self._inbox, raw.encode(), str(update_id).encode())

    def open_update(self, sealed: bytes, update_id: int) -> str:
        return _open(self._inbox, sealed, str(update_id).encode(), "update").decode()


CODE_BYTES = 12  # 16 URL-safe characters: unguessable, and short enough for a deep link


def fresh_code() -> str:
    """A new unguessable code (a tranche's join link, a trainer's invitation), never starting with '-' or '_'.

    URL-safe base64 may begin with '-'; given as ``goodwork course close CODE`` such a code read as an
    option (one tranche in 32 could not be closed by its code).
    """
    while not (code := secrets.token_urlsafe(CODE_BYTES))[0].isalnum():
        pass
    return code


@lru_cache(maxsize=8)
def _stretch(secret: str) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=_SALT, n=2**14, r=8, p=1, dklen=32)


def _cipher(master: bytes, purpose: str) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"goodwork/{purpose}/v1".encode())
    return AESGCM(hkdf.derive(master))


def _seal(cipher: AESGCM, plain: bytes, bound_to: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return _SEALED + nonce + cipher.encrypt(nonce, plain, bound_to)


def _open(cipher: AESGCM, sealed: bytes, bound_to: bytes, what: str) -> bytes:
    if sealed[:1] != _SEALED or len(sealed) < 1 + _NONCE + _TAG:
        raise SealError(f"not a sealed {what}")
    try:
        return cipher.decrypt(sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], bound_to)
    except InvalidTag:
        raise SealError(f"a sealed {what} that this GOODWORK_SECRET cannot open") from None


def _derive(master: bytes, purpose: str) -> bytes:
    return hmac.new(master, f"goodwork/{purpose}".encode(), hashlib.sha256).digest()


def _pseudonym(key: bytes, who: str) -> Pseudonym:
    return Pseudonym(hmac.new(key, who.encode(), hashlib.sha256).hexdigest()[:32])
