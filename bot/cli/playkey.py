"""A local key for ``goodwork play`` when ``GOODWORK_SECRET`` is not set (never for the bot).

A database made this way belongs to that key: the bot, or any command run with
``GOODWORK_SECRET``, then refuses it. ``explain_mismatch`` recognises that case
(the key file beside the database opens it) and says what to do.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from bot.config import MIN_SECRET, ConfigError, Settings
from bot.store import StoreError, is_postgres, open_store
from bot.store.errors import SecretMismatchError
from bot.store.keys import Keys


def play_keys(settings: Settings, warn: TextIO) -> Keys:
    """Keys from ``GOODWORK_SECRET``, or from a key file kept next to the database, with a warning."""
    if settings.secret:
        return Keys(settings.secret)
    if is_postgres(settings.db):
        raise ConfigError(
            "GOODWORK_SECRET is not set: play keeps a local key only beside a SQLite file, not for PostgreSQL"
        )
    path = key_file(settings.db)
    print(
        f"goodwork: GOODWORK_SECRET is not set; using the local key in {path} "
        "(fine for trying dialogues; the bot itself needs GOODWORK_SECRET)",
        file=warn,
    )
    return Keys(_read_or_create(path))


def key_file(database: str) -> Path:
    """Where play keeps its local key for ``database``."""
    return Path(database + ".play-key")


def explain_mismatch(error: SecretMismatchError, environ: Mapping[str, str] | None = None) -> str:
    """What to do about ``error``: said plainly when play's local key, not GOODWORK_SECRET, made the database."""
    try:
        settings = Settings.from_env(environ)
    except ConfigError:
        return str(error)
    if not _made_by_play(settings):
        return str(error)
    database = settings.db
    return (
        f"{database} was made by 'goodwork play' with its local key ({key_file(database)}), not with "
        "GOODWORK_SECRET: point GOODWORK_DB at another file for the bot, or delete both files "
        "(they hold only games played in the terminal)"
    )


def _made_by_play(settings: Settings) -> bool:
    if is_postgres(settings.db):
        return False
    try:
        key = key_file(settings.db).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return False
    return len(key) >= MIN_SECRET and asyncio.run(_opens(settings, Keys(key)))


async def _opens(settings: Settings, keys: Keys) -> bool:
    """Whether ``keys`` is the key the database was made with (the store refuses any other)."""
    try:
        store = await open_store(settings, keys, migrate=False)
    except (StoreError, ConfigError):
        return False
    await store.close()
    return True


def _read_or_create(path: Path) -> str:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="utf-8", errors="replace").strip()
        if len(key) < MIN_SECRET:
            raise ConfigError(f"{path}: the play key is damaged; delete the file to make a new one") from None
        return key
    except OSError as exc:
        raise ConfigError(f"cannot create the play key {path}: {exc.strerror}") from None
    key = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(key + "\n")
    return key
