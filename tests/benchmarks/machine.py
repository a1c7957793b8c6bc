"""How fast this (shared, noisy) machine is right now: a fixed pure-Python loop, timed.

Benchmarks print it first, so figures from different days or hours can be set side by side
(the development machine's speed changed twofold within one day).
"""

from __future__ import annotations

import time

REFERENCE_LOOP = 10_000_000  # additions timed as the machine's speed


def speed() -> None:
    """Print how long the fixed loop takes."""
    started, total = time.perf_counter(), 0
    for n in range(REFERENCE_LOOP):
        total += n
    print(f"this machine: {REFERENCE_LOOP:,} additions in a Python loop take {time.perf_counter() - started:.2f} s")
