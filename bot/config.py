"""Settings from the environment, checked once at start-up.

Every value is read and checked; all problems are reported together, each
naming its variable and, unless it is a secret, the value that was wrong.
The token and the secret never appear in ``repr`` or in an error message.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

T = TypeVar("T")

TELEGRAM_API_URL = "https://api.telegram.org/bot"
_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{30,}")
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
MIN_SECRET = 32
_INSTANCE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _host_name() -> str:
    """The default instance name: this machine's (or container's) host name."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname())[:64] or "goodwork"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Weekly:
    """A moment in the week, local time: ``GOODWORK_DIGEST`` (Monday is day 0, as in ``date.weekday()``)."""

    day: int = 0
    hour: int = 9
    minute: int = 0

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.day]} {self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = field(default=None, repr=False)
    api_url: str = TELEGRAM_API_URL
    db: str = "goodwork.sqlite3"
    secret: str | None = field(default=None, repr=False)
    trainers: frozenset[int] = frozenset()
    bot_username: str | None = None
    dialogues: Path = Path("dialogues")
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Amsterdam"))
    pacing_ms: int = 400
    min_group: int = 5
    retention_days: int = 365
    hours: str = "mon-fri 09:00-17:00"
    send_rate: int = 30
    chat_rate: int = 1
    digest: Weekly | None = field(default_factory=Weekly)  # None: GOODWORK_DIGEST=off
    metrics: tuple[str, int] | None = None  # GOODWORK_METRICS: where Prometheus scrapes (host, port); None: off
    instance: str = field(default_factory=_host_name)  # GOODWORK_INSTANCE
    webhook_url: str | None = None  # GOODWORK_WEBHOOK_URL: set, updates come by webhook instead of long polling
    listen: tuple[str, int] = ("127.0.0.1", 8080)  # GOODWORK_LISTEN: where the webhook's requests arrive
    webhook_secret: str | None = field(default=None, repr=False)  # None: derived from GOODWORK_SECRET

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every ``GOODWORK_*`` variable; raise ConfigError listing each bad one.

        A variable that is unset (or empty) leaves the setting at its default above: each default is
        written once, in the fields of this class.
        """
        reader = _EnvReader(os.environ if environ is None else environ)
        given: dict[str, Any] = {
            "token": reader.get("GOODWORK_TOKEN", _token),
            "api_url": reader.get("GOODWORK_API_URL", _api_url),
            "db": reader.get("GOODWORK_DB", str),
            "secret": reader.get("GOODWORK_SECRET", _secret),
            "trainers": reader.get("GOODWORK_TRAINERS", _trainers),
            "bot_username": reader.get("GOODWORK_BOT_USERNAME", _username),
            "dialogues": reader.get("GOODWORK_DIALOGUES", Path),
            "tz": reader.get("GOODWORK_TZ", _zone),
            "pacing_ms": reader.get("GOODWORK_PACING_MS", _bounded(0, 10_000)),
            "min_group": reader.get("GOODWORK_MIN_GROUP", _bounded(2, 1_000)),
            "retention_days": reader.get("GOODWORK_RETENTION_DAYS", _bounded(7, 3_650)),
            "hours": reader.get("GOODWORK_HOURS", _hours),
            "send_rate": reader.get("GOODWORK_SEND_RATE", _bounded(1, 1_000)),
            "chat_rate": reader.get("GOODWORK_CHAT_RATE", _bounded(1, 30)),
            "metrics": reader.get("GOODWORK_METRICS", listen_address),
            "instance": reader.get("GOODWORK_INSTANCE", _instance),
            "webhook_url": reader.get("GOODWORK_WEBHOOK_URL", webhook_url),
            "listen": reader.get("GOODWORK_LISTEN", listen_address),
            "webhook_secret": reader.get("GOODWORK_WEBHOOK_SECRET", _webhook_secret),
        }
        digest = reader.get("GOODWORK_DIGEST", _weekly)
        reader.raise_errors()
        settings = cls(**{name: value for name, value in given.items() if value is not None})
        return settings if digest is None else replace(settings, digest=None if digest == _OFF else digest)

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(
                "GOODWORK_TOKEN is not set: get a token from @BotFather, "
                "or try a dialogue without Telegram: goodwork play DIALOGUE_ID"
            )
        return self.token

    def require_secret(self) -> str:
        if not self.secret:
            raise ConfigError(f"GOODWORK_SECRET is not set: use a random string of at least {MIN_SECRET} characters")
        return self.secret

    @property
    def file_url(self) -> str:
        """The Bot API's file-download base: ``…/file/bot`` in place of the trailing ``/bot``."""
        return self.api_url.removesuffix("/bot") + "/file/bot"


class _EnvReader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ, self.errors = environ, list[str]()

    def get(self, name: str, parse: Callable[[str], T]) -> T | None:
        raw = self.environ.get(name, "").strip()
        if not raw:
            return None
        try:
            return parse(raw)
        except ValueError as exc:
            self.errors.append(f"{name}: {exc}")
            return None

    def raise_errors(self) -> None:
        if self.errors:
            raise ConfigError("\n".join(self.errors))


def _token(raw: str) -> str:
    if not _TOKEN.fullmatch(raw):
        raise ValueError(
            "does not look like a bot token from @BotFather (expected '<digits>:<35 characters>'); "
            "to try a dialogue without Telegram: goodwork play DIALOGUE_ID"
        )
    return raw


def _secret(raw: str) -> str:
    if len(raw) < MIN_SECRET:
        raise ValueError(f"is {len(raw)} characters long, it needs at least {MIN_SECRET}")
    return raw


def _api_url(raw: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?/bot", raw):
        raise ValueError(f"expected an http(s) URL ending in '/bot', like 'http://127.0.0.1:8081/bot', got {raw!r}")
    return raw


def _trainers(raw: str) -> frozenset[int]:
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    bad = [part for part in ids if not part.isascii() or not part.isdigit()]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a Telegram user id (a whole number); separate ids with commas")
    return frozenset(int(part) for part in ids)


def _username(raw: str) -> str:
    name = raw.removeprefix("@")
    if not _USERNAME.fullmatch(name):
        raise ValueError(f"{raw!r} is not a bot username (letters, digits and '_', 4-32 characters)")
    return name


def _hours(raw: str) -> str:
    """Only the shape here; the schedule layer reads the days and times (and names this variable if they are off)."""
    if not re.fullmatch(r"[a-z,\- ]+ \d{1,2}:\d{2}-\d{1,2}:\d{2}", raw.strip().lower()):
        raise ValueError(f"expected days and hours like 'mon-fri 09:00-17:00', got {raw!r}")
    return raw.strip()


_OFF = Weekly(-1)


def _weekly(raw: str) -> Weekly:
    """``mon 09:00`` (a day and a local time), or ``off``."""
    text = raw.strip().lower()
    if text == "off":
        return _OFF
    found = re.fullmatch(r"([a-z]{3}) (\d{1,2}):(\d{2})", text)
    if found is None or found[1] not in WEEKDAYS or int(found[2]) > 23 or int(found[3]) > 59:
        raise ValueError(f"expected a day and a time like 'mon 09:00', or 'off', got {raw!r}")
    return Weekly(WEEKDAYS.index(found[1]), int(found[2]), int(found[3]))


def listen_address(raw: str) -> tuple[str, int]:
    """``HOST:PORT`` to listen on (an IPv6 host in brackets: ``[::1]:9108``)."""
    host, colon, port = raw.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host or not port.isascii() or not port.isdigit() or not 1 <= int(port) <= 65_535:
        raise ValueError(f"expected HOST:PORT to listen on, like '127.0.0.1:9108', got {raw!r}")
    return host, int(port)


def webhook_url(raw: str) -> str:
    """The public HTTPS address Telegram posts updates to (TLS ends at a reverse proxy in front of the bot)."""
    if not re.fullmatch(r"https://[^\s/?#]+(/[^\s?#]*)?", raw):
        raise ValueError(f"expected the https:// address Telegram should post updates to, got {raw!r}")
    return raw


def _webhook_secret(raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", raw):
        raise ValueError("expected 1-256 letters, digits, '_' or '-' (what Telegram accepts as a secret token)")
    return raw


def _instance(raw: str) -> str:
    """This instance's name among several sharing a database (the key of its heartbeats)."""
    if not _INSTANCE.fullmatch(raw):
        raise ValueError(f"expected a name of 1-64 letters, digits, '.', '_' or '-', got {raw!r}")
    return raw


def _zone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {raw!r} (expected a name like 'Europe/Amsterdam')") from None


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
            raise ValueError(f"expected a whole number from {low} to {high}, got {raw!r}")
        return int(raw)

    return parse


_ENV_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)")


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of a systemd ``EnvironmentFile``: ``NAME=value`` lines (the value may be quoted, and may hold
    spaces), blank lines and ``#`` or ``;`` comments. ConfigError names the file and line of anything else."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"--env-file: cannot read {str(path)!r} ({reason})") from None
    found: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text[0] in "#;":
            continue
        matched = _ENV_LINE.fullmatch(text)
        if matched is None:
            raise ConfigError(f"--env-file: {path}, line {number}: expected NAME=value")
        name, value = matched[1], matched[2].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[name] = value
    return found


def dialogues_folder(environ: Mapping[str, str] | None = None) -> Path:
    """``GOODWORK_DIALOGUES`` alone, for commands that need no other setting."""
    raw = (os.environ if environ is None else environ).get("GOODWORK_DIALOGUES", "").strip()
    return Path(raw) if raw else Path("dialogues")
