"""Pseudonyms: keyed hashes that only a holder of ``GOODWORK_SECRET`` can recompute.

One master key is stretched from the secret with scrypt (so a weak secret
still costs an attacker real work per guess), and from it one key per purpose:

    contact  keys the delivery side (participants: chat id, settings)
    person   keys the reflection side (conversation state, choices, reflections)
    check    a fixed value stored in the database to recognise the secret

Because the two pseudonyms of one person come from different keys, a copy of
the database alone cannot join the two sides; the running bot, holding the
secret, recomputes both from a Telegram user id to export or erase that person.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NewType

Pseudonym = NewType("Pseudonym", str)

_SALT = b"goodwork-coach/pseudonyms/v1"


@dataclass(frozen=True, slots=True)
class Identity:
    """Both pseudonyms of one person: the only way the code refers to someone."""

    contact: Pseudonym = field(repr=False)
    person: Pseudonym = field(repr=False)


class Keys:
    """Derives pseudonyms from ``GOODWORK_SECRET``; holds no other state."""

    __slots__ = ("_check", "_contact", "_person")

    def __init__(self, secret: str) -> None:
        master = _stretch(secret)
        self._contact = _derive(master, "contact")
        self._person = _derive(master, "person")
        self._check = _derive(master, "check").hex()

    def __repr__(self) -> str:
        return "Keys(<secret>)"

    @property
    def check(self) -> str:
        """The value stored at the first migration; a different secret gives a different value."""
        return self._check

    def identity(self, who: str) -> Identity:
        """Both pseudonyms for ``who``, e.g. ``telegram:12345`` or ``terminal:alice``."""
        return Identity(_pseudonym(self._contact, who), _pseudonym(self._person, who))

    def telegram(self, user_id: int) -> Identity:
        return self.identity(f"telegram:{user_id}")


@lru_cache(maxsize=8)
def _stretch(secret: str) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=_SALT, n=2**14, r=8, p=1, dklen=32)


def _derive(master: bytes, purpose: str) -> bytes:
    return hmac.new(master, f"goodwork/{purpose}".encode(), hashlib.sha256).digest()


def _pseudonym(key: bytes, who: str) -> Pseudonym:
    return Pseudonym(hmac.new(key, who.encode(), hashlib.sha256).hexdigest()[:32])
