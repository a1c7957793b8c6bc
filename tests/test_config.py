"""Settings come from the environment; a bad value stops start-up naming the variable."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, Weekly, dialogues_folder

TOKEN = "123456789:AAEhBP0av28H1vkEYTmR6Xx5qQ1bW9zZtUk"
SECRET = "s" * 32


def test_defaults_when_nothing_is_set() -> None:
    """With an empty environment every setting has its documented default."""
    settings = Settings.from_env({})
    assert settings.api_url == "https://api.telegram.org/bot"
    assert settings.db == "goodwork.sqlite3" and settings.dialogues == Path("dialogues")
    assert str(settings.tz) == "Europe/Amsterdam" and settings.min_group == 5 and settings.pacing_ms == 400
    assert settings.trainers == frozenset() and settings.token is None and settings.secret is None
    assert settings.retention_days == 365 and settings.hours == "mon-fri 09:00-17:00" and settings.send_rate == 30
    assert settings.chat_rate == 1 and settings.metrics is None
    assert settings.webhook_url is None and settings.listen == ("127.0.0.1", 8080) and settings.webhook_secret is None
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,64}", settings.instance), "the host name, as a safe name"
    if re.fullmatch(r"[A-Za-z0-9._-]{1,64}", socket.gethostname()):
        assert settings.instance == socket.gethostname()


def test_reads_every_variable() -> None:
    """Each GOODWORK_* variable lands in its field, parsed."""
    settings = Settings.from_env(
        {
            "GOODWORK_TOKEN": TOKEN,
            "GOODWORK_API_URL": "http://127.0.0.1:8081/bot",
            "GOODWORK_DB": "/var/lib/goodwork/db.sqlite3",
            "GOODWORK_SECRET": SECRET,
            "GOODWORK_TRAINERS": "12, 34,",
            "GOODWORK_BOT_USERNAME": "@GoodWorkBot",
            "GOODWORK_DIALOGUES": "content",
            "GOODWORK_TZ": "Europe/Brussels",
            "GOODWORK_PACING_MS": "0",
            "GOODWORK_MIN_GROUP": "7",
            "GOODWORK_RETENTION_DAYS": "90",
            "GOODWORK_METRICS": "[::1]:9108",
            "GOODWORK_INSTANCE": "bot-2.example",
            "GOODWORK_WEBHOOK_URL": "https://bot.example.org:8443/goodwork/telegram",
            "GOODWORK_LISTEN": "0.0.0.0:8081",
            "GOODWORK_WEBHOOK_SECRET": "own-Token_1",
        }
    )
    assert settings.webhook_url == "https://bot.example.org:8443/goodwork/telegram"
    assert settings.listen == ("0.0.0.0", 8081) and settings.webhook_secret == "own-Token_1"
    assert "own-Token_1" not in repr(settings)
    assert settings.retention_days == 90
    assert settings.metrics == ("::1", 9108) and settings.instance == "bot-2.example"
    assert settings.require_token() == TOKEN and settings.require_secret() == SECRET
    assert settings.file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.trainers == {12, 34} and settings.bot_username == "GoodWorkBot"
    assert (settings.dialogues, str(settings.tz), settings.pacing_ms, settings.min_group) == (
        Path("content"),
        "Europe/Brussels",
        0,
        7,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        pytest.param("GOODWORK_TZ", "Europe/Amsterdm", "GOODWORK_TZ: unknown time zone 'Europe/Amsterdm'", id="tz"),
        pytest.param(
            "GOODWORK_TRAINERS", "12,abc", "GOODWORK_TRAINERS: 'abc' is not a Telegram user id", id="trainers"
        ),
        pytest.param(
            "GOODWORK_MIN_GROUP", "1", "GOODWORK_MIN_GROUP: expected a whole number from 2 to 1000, got '1'", id="k"
        ),
        pytest.param(
            "GOODWORK_RETENTION_DAYS", "0", "GOODWORK_RETENTION_DAYS: expected a whole number from 7 to 3650", id="days"
        ),
        pytest.param("GOODWORK_HOURS", "weekdays", "GOODWORK_HOURS: expected days and hours like", id="hours"),
        pytest.param(
            "GOODWORK_DIGEST", "monday", "GOODWORK_DIGEST: expected a day and a time like 'mon 09:00'", id="digest"
        ),
        pytest.param("GOODWORK_DIGEST", "mon 25:00", "GOODWORK_DIGEST: expected a day and a time", id="digest-hour"),
        pytest.param(
            "GOODWORK_SEND_RATE", "0", "GOODWORK_SEND_RATE: expected a whole number from 1 to 1000", id="rate"
        ),
        pytest.param("GOODWORK_PACING_MS", "fast", "GOODWORK_PACING_MS: expected a whole number", id="pacing"),
        pytest.param(
            "GOODWORK_API_URL",
            "api.telegram.org",
            "GOODWORK_API_URL: expected an http(s) URL ending in '/bot'",
            id="url",
        ),
        pytest.param(
            "GOODWORK_BOT_USERNAME",
            "no spaces",
            "GOODWORK_BOT_USERNAME: 'no spaces' is not a bot username",
            id="username",
        ),
        pytest.param(
            "GOODWORK_SECRET", "short", "GOODWORK_SECRET: is 5 characters long, it needs at least 32", id="secret"
        ),
        pytest.param("GOODWORK_TOKEN", "12345", "GOODWORK_TOKEN: does not look like a bot token", id="token"),
        pytest.param("GOODWORK_METRICS", "9108", "GOODWORK_METRICS: expected HOST:PORT to listen on", id="metrics"),
        pytest.param("GOODWORK_METRICS", "127.0.0.1:99999", "GOODWORK_METRICS: expected HOST:PORT", id="port"),
        pytest.param("GOODWORK_INSTANCE", "bot 2", "GOODWORK_INSTANCE: expected a name of 1-64", id="instance"),
        pytest.param(
            "GOODWORK_WEBHOOK_URL", "http://bot.example.org/x", "GOODWORK_WEBHOOK_URL: expected the https", id="hook"
        ),
        pytest.param("GOODWORK_LISTEN", "localhost", "GOODWORK_LISTEN: expected HOST:PORT", id="listen"),
    ],
)
def test_bad_value_names_variable_and_value(name: str, value: str, message: str) -> None:
    """A malformed value raises ConfigError naming the variable (and the value, unless secret)."""
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: value})
    assert str(caught.value).startswith(message)


def test_all_bad_values_reported_together() -> None:
    """Several bad variables are reported in one error, one line each."""
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"GOODWORK_TZ": "Mars/Base", "GOODWORK_MIN_GROUP": "x"})
    assert [line.split(":")[0] for line in str(caught.value).splitlines()] == ["GOODWORK_TZ", "GOODWORK_MIN_GROUP"]


def test_secrets_never_printed() -> None:
    """Neither repr nor an error message shows the token or the secret."""
    settings = Settings.from_env({"GOODWORK_TOKEN": TOKEN, "GOODWORK_SECRET": SECRET})
    assert TOKEN not in repr(settings) and SECRET not in repr(settings)
    bad_secret = "x" * 31
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"GOODWORK_SECRET": bad_secret, "GOODWORK_TOKEN": TOKEN[:-20]})
    assert bad_secret not in str(caught.value) and TOKEN[:-20] not in str(caught.value)


def test_missing_token_points_to_play() -> None:
    """A command that needs the token says how to get one and how to try without Telegram."""
    with pytest.raises(ConfigError, match=r"GOODWORK_TOKEN is not set.*goodwork play"):
        Settings.from_env({}).require_token()
    with pytest.raises(ConfigError, match="GOODWORK_SECRET is not set"):
        Settings.from_env({}).require_secret()


def test_dialogues_folder_alone() -> None:
    """Commands that need no settings still honour GOODWORK_DIALOGUES, even if others are malformed."""
    assert dialogues_folder({"GOODWORK_DIALOGUES": "x", "GOODWORK_TZ": "bad"}) == Path("x")
    assert dialogues_folder({}) == Path("dialogues")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", Weekly(0, 9, 0)), ("mon 09:00", Weekly(0, 9, 0)), ("FRI 7:30", Weekly(4, 7, 30)), ("off", None)],
)
def test_digest_moment(raw: str, expected: Weekly | None) -> None:
    """GOODWORK_DIGEST is a day and a local time (Monday 09:00 when unset), or off."""
    assert Settings.from_env({"GOODWORK_DIGEST": raw}).digest == expected
