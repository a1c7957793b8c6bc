"""Problems found in a dialogue file, and the error that carries them.

Every problem knows where it is: ``path:line:column: message`` with 1-based
line and column, the way editors and compilers print positions.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based position in a file."""

    line: int = 1
    column: int = 1


START = Mark()


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    mark: Mark
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        label = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.mark.line}:{self.mark.column}: {label}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class DialogueError(Exception):
    """Base of every error raised by ``bot.dialogue``."""


class LoadError(DialogueError):
    """A dialogue file has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for a close match, else an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""
