"""No bot token and no GOODWORK_SECRET in any log line, whichever library logged it."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator

import pytest
from telegram.error import InvalidToken

from bot.cli import logs

BOT_ID = "987654321"
TAIL = "AAHfakeButSecretTokenTail0123456789"
TOKEN = f"{BOT_ID}:{TAIL}"
SECRET = "log-test-secret-" + "q7" * 16
URL = f"https://api.telegram.org/bot{TOKEN}/getMe"
LOGGERS = ["telegram.ext.Application", "telegram.request", "httpx", "httpcore", "aiosqlite", "bot.telegram.app", ""]
LEVELS = [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL]
FORMAT = "%(levelname)s %(name)s: %(message)s"


def leaks(output: str) -> list[str]:
    return [name for name, value in (("token", TOKEN), ("tail", TAIL), ("secret", SECRET)) if value in output]


def raise_and_log(log: logging.Logger, level: int) -> None:
    try:
        raise InvalidToken(f"The token `{TOKEN}` was rejected by the server (secret {SECRET!r})")
    except InvalidToken:
        log.log(level, "getMe failed", exc_info=True)


WAYS: dict[str, Callable[[logging.Logger, int], None]] = {
    "message": lambda log, level: log.log(level, f"HTTP Request: POST {URL} with {SECRET}"),
    "args": lambda log, level: log.log(level, "HTTP Request: POST %s %r", URL, {"secret": SECRET}),
    "exception": raise_and_log,
    "stack": lambda log, level: log.log(level, "body %s", f'{{"token": "{TOKEN}"}}', stack_info=True),
    "bad args": lambda log, level: log.log(level, "two %s %s", TOKEN),
}


@pytest.fixture
def output(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """A root handler like goodwork's, every logger at DEBUG; all put back afterwards."""
    monkeypatch.setenv("GOODWORK_TOKEN", TOKEN)
    monkeypatch.setenv("GOODWORK_SECRET", SECRET)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    logs.redact_handlers([handler])
    loggers = [logging.getLogger(name) for name in LOGGERS]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("name", LOGGERS)
def test_no_secret_in_any_record(output: io.StringIO, name: str, way: str) -> None:
    """Token and secret in a message, its arguments, a traceback or a stack are redacted at every level."""
    for level in LEVELS:
        WAYS[way](logging.getLogger(name), level)
    written = output.getvalue()
    assert leaks(written) == []
    assert written.count(logs.TOKEN) >= len(LEVELS)
    if way == "exception":
        assert written.count("Traceback") == len(LEVELS) and "InvalidToken" in written
    if way == "message":
        assert f"bot{BOT_ID}:<token>/getMe" in written or "bot<token>/getMe" in written


def test_bot_id_alone_is_kept(output: io.StringIO) -> None:
    """The bot id before ':' is public: a line with only it stays readable."""
    logging.getLogger("bot").warning("bot id %s, token tail %s", BOT_ID, TAIL)
    assert output.getvalue().strip() == f"WARNING bot: bot id {BOT_ID}, token tail <token>"


def test_nothing_to_redact_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without GOODWORK_TOKEN and GOODWORK_SECRET (or with values too short to be secrets) lines are untouched."""
    monkeypatch.setenv("GOODWORK_SECRET", "abc")
    monkeypatch.delenv("GOODWORK_TOKEN", raising=False)
    assert logs.redact("abc 100% a:b") == "abc 100% a:b"


@pytest.mark.parametrize("verbose", [True, False])
def test_goodwork_logging_redacts_every_library(verbose: bool) -> None:
    """With goodwork's own logging set up, PTB's and httpx's records reach stderr without the token or secret."""
    script = textwrap.dedent(
        f"""
        import logging
        from telegram.error import InvalidToken
        from bot.cli.main import configure_logging
        configure_logging(verbose={verbose})
        logging.getLogger("telegram.request").error("Can not load invalid JSON data: %s", {URL!r})
        logging.getLogger("httpx").warning("HTTP Request: POST {URL} %s", {SECRET!r})
        logging.getLogger("bot.cli").info("token %s", {TOKEN!r})
        try:
            raise InvalidToken("The token `{TOKEN}` was rejected by the server.")
        except InvalidToken:
            logging.getLogger("telegram.ext.Application").exception("No error handlers are registered")
        """
    )
    environment = {**os.environ, "GOODWORK_TOKEN": TOKEN, "GOODWORK_SECRET": SECRET}
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert leaks(done.stdout + done.stderr) == []
    assert done.stderr.count(logs.TOKEN) == 4 and "Traceback" in done.stderr and logs.SECRET in done.stderr
