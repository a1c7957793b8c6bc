"""Long commands show their progress on a terminal, and nothing when output goes to a file or a pipe."""

from __future__ import annotations

import io

from bot.cli.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_one_line_that_updates() -> None:
    """On a terminal the line shows how far the work is, rewritten in place, and is cleared at the end."""
    stream = Terminal()
    progress = Progress("counting people", stream)
    progress(0, 200)
    progress(200, 200)
    progress.finish()
    written = stream.getvalue()
    assert "\rcounting people: 0 of 200 (0 %)" in written and "200 of 200 (100 %)" in written
    assert written.endswith("\r\033[K") and "\n" not in written


def test_a_pipe_or_file_sees_nothing() -> None:
    """When output is not a terminal, nothing is written at all."""
    stream = io.StringIO()
    progress = Progress("counting people", stream)
    progress(5, 10)
    progress.finish()
    assert stream.getvalue() == ""
