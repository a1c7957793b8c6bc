"""Progress of a long command on a terminal: one line that updates itself, and nothing when output is not a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

EVERY = 0.2  # seconds between two updates of the line


class Progress:
    """``progress(done, total)``: call it as work goes on; ``finish()`` clears the line."""

    def __init__(self, what: str, stream: TextIO | None = None) -> None:
        self.what, self.stream = what, stream or sys.stderr
        self.shown = self.stream.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.shown or (now - self._last < EVERY and done < total):
            return
        self._last = now
        share = f" ({100 * done // total} %)" if total else ""
        self.stream.write(f"\r{self.what}: {done:,} of {total:,}{share}\033[K")
        self.stream.flush()

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
