"""Every error ``bot.telegram`` raises, in one place (python-telegram-bot's own come from ``telegram.error``).

PollingError             polling cannot go on: another process polls this token, or Telegram refused it
WebhookError             the webhook could not be set (Telegram unreachable, or answering with an error)
CheckTooLongError        checking a trainer's upload did not finish within its budget (and was stopped)
CheckFailedError         the checking process ended without an answer
"""

from __future__ import annotations


class PollingError(Exception):
    """Polling cannot go on (another process polls the same token, or the token is refused)."""


class WebhookError(Exception):
    """The webhook could not be set with Telegram (a URL Telegram refuses is a ConfigError)."""


class CheckTooLongError(Exception):
    """The check did not finish within the budget (and was stopped)."""


class CheckFailedError(Exception):
    """The checking process ended without an answer."""
