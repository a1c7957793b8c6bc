"""Looking for Telegram ids in raw files, the way someone holding a stolen database would.

An id can sit in a file as decimal text, or as an integer the way SQLite writes
one (big-endian, in 1, 2, 3, 4, 6 or 8 bytes), or the way a program might
(4 or 8 bytes, either byte order). Ids a test uses should be large and
distinctive (from 10 digits on), so that their bytes do not turn up by chance.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SQLITE_SIZES = (1, 2, 3, 4, 6, 8)


def encodings(telegram_id: int) -> set[bytes]:
    """Every way ``telegram_id`` could be written into a file."""
    found = {str(telegram_id).encode()}
    for size in (*SQLITE_SIZES, 4, 8):
        if 0 <= telegram_id < 1 << (8 * size - 1):
            found.add(telegram_id.to_bytes(size, "big"))
    for size in (4, 8):
        if 0 <= telegram_id < 1 << (8 * size):
            found.add(telegram_id.to_bytes(size, "little"))
    return {pattern for pattern in found if len(pattern) >= 4}  # shorter ones match anything by chance


def database_files(database: Path) -> list[Path]:
    """The database and whichever of its ``-wal``, ``-shm`` and ``-journal`` files exist."""
    candidates = [database, *(database.with_name(database.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]
    return [path for path in candidates if path.exists()]


def hits(paths: Iterable[Path], telegram_ids: Iterable[int]) -> list[tuple[str, int]]:
    """(file name, id) for every id found in any of ``paths``, in any encoding."""
    contents = {path.name: path.read_bytes() for path in paths}
    return [
        (name, telegram_id)
        for telegram_id in telegram_ids
        for name, data in contents.items()
        if any(pattern in data for pattern in encodings(telegram_id))
    ]
