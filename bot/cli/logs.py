"""No bot token and no ``GOODWORK_SECRET`` in any log line, whichever library wrote it.

Call sites are careful, but libraries are not: python-telegram-bot logs raw
response bodies at ERROR and puts the token into ``InvalidToken``'s message,
and httpx logs request URLs, which hold the token. So the handler that
``goodwork`` installs on the root logger carries one ``Redactor``: it renders
each record (message, arguments, exception text and stack), replaces every
secret value with ``<token>`` or ``<secret>``, and leaves only the rendered
text on the record. The values come straight from the environment, so they are
redacted even when ``Settings.from_env`` refuses them.

The bot id (the digits before ``:`` in the token) is public; the whole token
and the part after ``:`` are not.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

TOKEN, SECRET = "<token>", "<secret>"
MIN_LENGTH = 8  # a shorter value is no secret, and replacing it would garble every line
_FORMATTER = logging.Formatter()


def secret_values(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each secret value in the environment, also as it looks quoted or escaped, mapped to its placeholder."""
    env = os.environ if environ is None else environ
    token, secret = env.get("GOODWORK_TOKEN", ""), env.get("GOODWORK_SECRET", "")
    values = dict.fromkeys((token, token.strip(), token.strip().partition(":")[2]), TOKEN)
    values.update(dict.fromkeys((secret, secret.strip()), SECRET))
    return {form: label for value, label in values.items() if len(value) >= MIN_LENGTH for form in _forms(value)}


def _forms(value: str) -> set[str]:
    return {value, quote(value, safe=""), json.dumps(value)[1:-1], repr(value)[1:-1]}


class Redactor(logging.Filter):
    """A handler filter that rewrites every record it sees so that no secret value is left in it."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        super().__init__()
        self._labels = dict(secrets)
        longest_first = sorted(self._labels, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, longest_first))) if longest_first else None

    def redact(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda found: self._labels[found.group()], text)

    def filter(self, record: logging.LogRecord) -> bool:
        if self._pattern is None:  # no secret in the environment: leave the record as it is
            return True
        record.msg, record.args = self.redact(_message(record)), ()
        if record.exc_info:
            record.exc_text = record.exc_text or _FORMATTER.formatException(record.exc_info)
            record.exc_info = None  # only the redacted text is left to print
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # arguments that do not fit the format: keep both, as logging would report them
        return f"{record.msg!s} {record.args!r}"


def redact_handlers(handlers: Iterable[logging.Handler], environ: Mapping[str, str] | None = None) -> None:
    """Give each handler one Redactor for the secrets in the environment (replacing an earlier one)."""
    redactor = Redactor(secret_values(environ))
    for handler in handlers:
        for old in [f for f in handler.filters if isinstance(f, Redactor)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` with the secrets in the environment replaced, for lines printed outside logging."""
    return Redactor(secret_values(environ)).redact(text)
