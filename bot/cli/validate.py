"""``goodwork validate PATH... [--walk N]``: every problem as path:line:col: message."""

from __future__ import annotations

import argparse
import time

from bot.dialogue.files import check_paths


def run(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    report = check_paths(args.paths, walks=args.walk, seed=args.seed)
    for problem in report.problems:
        print(problem)
    errors = len(report.errors)
    warnings = len(report.problems) - errors
    walked = f", {args.walk} walks each" if args.walk else ""
    print(f"{report.counts()}{walked}: {errors} error(s), {warnings} warning(s) in {time.perf_counter() - began:.2f}s")
    return 1 if errors else 0
