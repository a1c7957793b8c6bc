"""Reports: figures about people after the anonymity threshold, as text, a chart and a discussion pack.

Pure: values in, values out. Nothing here reads the database, the clock or
Telegram (an import-linter contract keeps it so); the caller gathers the
counts from the store and sends what comes back.

- ``threshold``: the *k* rule, in one place (``figure``, ``rate``, ``breakdown``).
- ``tranche``: a course tranche's weekly summary for its trainer, and its text.
- ``chart``: that summary's weekly activity as a PNG (matplotlib, Agg, no display).
- ``pack``: shared reflections as a self-contained HTML page for a Community of Practice.
- ``texts``: every word the reports say, in Dutch and English.
"""
