"""An uploaded file checked away from the event loop, within a time budget.

Each check runs in a child process (``bot.dialogue.isolated``): the bot's replies
to everyone else go on meanwhile, and a check that takes longer than the budget
is killed rather than waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import sys
from pathlib import Path

from bot.dialogue.course import CheckedCourse
from bot.dialogue.loader import Checked
from bot.telegram.errors import CheckFailedError, CheckTooLongError

BUDGET = 20.0  # seconds a check may take


async def check_upload(
    data: bytes, name: str, base_dir: Path | None, budget: float = BUDGET
) -> Checked | CheckedCourse:
    """The problems of ``data`` (named ``name``; images looked up in ``base_dir``), as ``goodwork validate``."""
    command = [sys.executable, "-m", "bot.dialogue.isolated", name, *([str(base_dir)] if base_dir else [])]
    child = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        out, _ = await asyncio.wait_for(child.communicate(data), budget)
    except TimeoutError:
        raise CheckTooLongError(f"checking {name!r} took more than {budget:g} s") from None
    finally:
        if child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            await child.wait()
    if child.returncode != 0 or not out:
        raise CheckFailedError(f"checking {name!r} ended with exit code {child.returncode}")
    result = pickle.loads(out)  # from our own child process, never from the person who uploaded
    if not isinstance(result, Checked | CheckedCourse):
        raise CheckFailedError(f"checking {name!r} gave {type(result).__name__}")
    return result
