"""Reports: figures about people after the anonymity threshold, as text, charts, tables and pages.

Of the bot, this package imports only ``bot.store``, ``bot.dialogue`` and
``bot.config`` (an import-linter contract keeps it so); the chat, the scheduler
and the command line call it. Its modules are pure (values in, values out, no
clock, no database) except ``gather`` and ``census``, which count from the
``Store`` protocol.

- ``threshold``: the *k* rule, in one place (``figure``, ``rate``, ``breakdown``).
- ``tranche``: a course tranche's weekly summary for its trainer, and its text.
- ``gather``: a tranche's week and a dialogue's insights, counted from the store.
- ``insights``: per dialogue and node, reached, went on, stopped, choices; lines, CSV and graph annotations.
- ``census``: everything the public report counts, streamed from the store.
- ``table`` and ``suppress``: the report's figures as cells, and complementary suppression.
- ``sheet``, ``page`` and ``public``: report.csv, index.html, and the per-tranche lines for trainers.
- ``chart``: every chart (the trainer's weekly PNG, the report's trend as SVG); matplotlib, Agg, no display.
- ``pack``: shared reflections as a self-contained HTML page for a Community of Practice.
- ``texts``: every word the reports say, in Dutch and English.
"""
