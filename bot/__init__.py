"""Good Work Coach: a Telegram bot that coaches civil servants through professional dilemmas."""

import os

# python-telegram-bot 22: time periods (RetryAfter.retry_after, ...) as timedelta, without the deprecation
# warning it gives otherwise. Set here, before any part of the bot imports the library.
os.environ.setdefault("PTB_TIMEDELTA", "true")

__version__ = "0.1.0"
