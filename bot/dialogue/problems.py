"""Problems found in a dialogue file, and the error that carries them.

Every problem knows where it is: ``path:line:column: message`` with 1-based
line and column, the way editors and compilers print positions.
"""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Literal, TypeAlias

Severity = Literal["error", "warning"]
Suggest: TypeAlias = Callable[[str, Collection[str]], str]
MAX_SUGGESTIONS = 50
MAX_CANDIDATES = 2000


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


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for a close match, else an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Suggestions:
    """A "did you mean" hint for one file's problems, on a budget: a file full of typos is checked in linear time.

    Only the first ``searches`` problems get a suggestion, and each compares the
    word with at most ``candidates`` names: those closest to it in length.
    """

    def __init__(self, searches: int = MAX_SUGGESTIONS, candidates: int = MAX_CANDIDATES) -> None:
        self.left, self.candidates = searches, candidates

    def __call__(self, word: str, choices: Collection[str]) -> str:
        if self.left <= 0:
            return ""
        self.left -= 1
        if len(choices) > self.candidates:
            choices = heapq.nsmallest(self.candidates, choices, key=lambda name: (abs(len(name) - len(word)), name))
        return did_you_mean(word, choices)
