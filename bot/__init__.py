"""Good Work Coach: a Telegram bot that coaches civil servants through professional dilemmas."""

__version__ = "0.1.0"
