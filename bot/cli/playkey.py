"""A local key for ``goodwork play`` when ``GOODWORK_SECRET`` is not set (never for the bot)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TextIO

from bot.config import MIN_SECRET, ConfigError, Settings
from bot.store.keys import Keys


def play_keys(settings: Settings, warn: TextIO) -> Keys:
    """Keys from ``GOODWORK_SECRET``, or from a key file kept next to the database, with a warning."""
    if settings.secret:
        return Keys(settings.secret)
    path = Path(settings.db + ".play-key")
    print(
        f"goodwork: GOODWORK_SECRET is not set; using the local key in {path} "
        "(fine for trying dialogues; the bot itself needs GOODWORK_SECRET)",
        file=warn,
    )
    return Keys(_read_or_create(path))


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
