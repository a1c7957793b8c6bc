"""``goodwork dialogues insights ID [--version N] --out FILE.png|svg | --csv``: where people give up in a dialogue.

The figures (started, finished, the median days to finish, and per node: reached, went on, stopped there, with
choices) come after the k rule; the picture is the dialogue's own graph (``bot.dialogue.dot``) with each node
annotated and coloured by drop-off. Every figure may be hidden: that is still a success (exit 0).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.cli.graph import FORMATS, write
from bot.cli.storage import using_store
from bot.config import Settings
from bot.dialogue.dot import to_dot
from bot.dialogue.model import Dialogue, DialogueId
from bot.graphviz import INSTALL, GraphError, render
from bot.report.gather import dialogue_insights
from bot.report.insights import Insights, annotate, insights_csv, insights_lines
from bot.store import Store
from bot.store.catalogue import Catalogue
from bot.store.errors import UnknownDialogueError


def add_parser(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``insights`` action to the ``goodwork dialogues`` actions."""
    insights = actions.add_parser("insights", help="where people give up in a dialogue: figures and an annotated graph")
    insights.add_argument("dialogue", metavar="DIALOGUE_ID")
    insights.add_argument("--version", type=_version, metavar="N", help="one published version (default: all)")
    shown = insights.add_mutually_exclusive_group(required=True)
    shown.add_argument("--out", type=Path, metavar="FILE", help="the annotated graph: FILE.png or FILE.svg")
    shown.add_argument("--csv", action="store_true", help="print the table as CSV instead")
    insights.add_argument("--lang", choices=("nl", "en"), help="language of the texts (default: the dialogue's first)")
    insights.set_defaults(run=run)


def _version(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"expected a version number (1 or more), got {raw!r}")
    return int(raw)


def run(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    image_format = FORMATS.get(args.out.suffix.lower()) if args.out else None
    if args.out and image_format is None:
        print(f"goodwork: cannot tell the picture format from {str(args.out)!r}: use .png or .svg", file=err)
        return 2
    program = shutil.which("dot")
    if args.out and program is None:
        print(f"goodwork: the Graphviz program 'dot' was not found on PATH; {INSTALL}", file=err)
        return 2
    settings = Settings.from_env()
    today = datetime.now(settings.tz).date()

    async def measure(store: Store) -> tuple[Insights, Dialogue] | None:
        catalogue, dialogue = Catalogue(store), DialogueId(args.dialogue)
        try:
            found = await dialogue_insights(
                store, catalogue, dialogue, version=args.version, today=today, k=settings.min_group
            )
            return found, await catalogue.get(dialogue, args.version)
        except UnknownDialogueError as exc:
            print(f"goodwork: {exc}", file=err)
            return None

    measured = using_store(settings, measure)
    if measured is None:
        return 1
    insights, dialogue = measured
    if args.csv:
        out.write(insights_csv(insights))
        return 0
    language = args.lang if args.lang in dialogue.languages else dialogue.languages[0]
    try:
        annotated = to_dot(dialogue, language, annotate(insights, language))
        write(args.out, render(annotated, image_format or "svg", program or "dot"))
    except GraphError as exc:
        print(f"goodwork: {exc}", file=err)
        return 1
    print("\n".join(insights_lines(insights, language)), file=out)
    print(f"wrote {args.out}", file=out)
    return 0
