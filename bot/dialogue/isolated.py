"""Checking one uploaded file in a process of its own: ``python -m bot.dialogue.isolated NAME [BASE_DIR]``.

The file comes on standard input; the result (a ``Checked`` dialogue or a
``CheckedCourse``) goes to standard output, pickled. The running bot starts
this for each upload, so that a big or hostile file costs this process's
time, never the bot's event loop, and can be stopped when it takes too long.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

from bot.dialogue.course import check_course, is_course
from bot.dialogue.loader import check_dialogue

NICENESS = 10


def check(data: bytes, name: str, base_dir: Path | None) -> object:
    """A course file's check or a dialogue's, as ``goodwork validate`` does it."""
    if is_course(Path(name), data):
        return check_course(data, name)
    return check_dialogue(data, name, base_dir)


def main(argv: list[str]) -> int:
    os.nice(NICENESS)  # on a busy machine the bot's replies to everyone come before one trainer's check
    name, base_dir = argv[0], Path(argv[1]) if len(argv) > 1 else None
    result = check(sys.stdin.buffer.read(), name, base_dir)
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
