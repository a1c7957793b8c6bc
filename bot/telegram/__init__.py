"""The Telegram layer: python-telegram-bot handlers, rendering and the polling loop."""
