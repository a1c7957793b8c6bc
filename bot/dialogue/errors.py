"""Every error ``bot.dialogue`` raises, in one place.

DialogueError            base of them all
 +-- LoadError           a dialogue or course file has problems (``problems`` lists every one)
 +-- ExprError           a condition does not parse or does not fit the dialogue
 +-- StateError          stored state that cannot be read back
 +-- ButtonError         callback data this layer did not make: forged, truncated or foreign
 +-- EngineError         an event that cannot be applied to this state
      +-- StaleError           state or button made for another dialogue, version or node
      +-- NotOfferedError      an option that is not offered here
      +-- UnexpectedEventError an event the current node does not take
      +-- AnswerLengthError    a reflection shorter than min_length or over 4,096 characters
      +-- LoopError            a run of messages and branches that never asks anything
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.dialogue.problems import Problem


class DialogueError(Exception):
    """Base of every error raised by ``bot.dialogue``."""


class LoadError(DialogueError):
    """A dialogue file has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ExprError(DialogueError):
    """A condition does not parse or does not fit the dialogue; ``offset`` is 0-based."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message, self.offset = message, offset


class StateError(DialogueError):
    """Stored state that cannot be read back."""


class ButtonError(DialogueError):
    """Callback data that this layer did not make: forged, truncated or foreign."""


class EngineError(DialogueError):
    """An event that cannot be applied to this state."""


class StaleError(EngineError):
    pass


class NotOfferedError(EngineError):
    pass


class UnexpectedEventError(EngineError):
    pass


class AnswerLengthError(EngineError):
    def __init__(self, message: str, minimum: int, maximum: int, *, too_long: bool = False) -> None:
        super().__init__(message)
        self.minimum, self.maximum, self.too_long = minimum, maximum, too_long


class LoopError(EngineError):
    pass
