"""The Telegram layer: python-telegram-bot handlers, rendering and the polling loop."""

import os

# Time periods (RetryAfter.retry_after, ...) as timedelta, without the deprecation warning PTB 22 gives otherwise.
os.environ.setdefault("PTB_TIMEDELTA", "true")
