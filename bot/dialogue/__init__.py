"""Dialogues as data: YAML -> validated graph -> ``step(state, event) -> outputs``.

Pure: this package imports only the standard library and PyYAML, never
Telegram or the database (an import-linter contract in CI keeps it so).
"""
