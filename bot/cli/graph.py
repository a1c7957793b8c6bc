"""``goodwork dialogues graph ID|FILE --out FILE.png|FILE.svg``: a picture of a dialogue, drawn by Graphviz.

The DOT text comes from ``bot.dialogue.dot``; this module only finds the
dialogue (like ``goodwork play``), runs the ``dot`` program and writes the file.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TextIO

from bot.cli.play import find_dialogue
from bot.config import dialogues_folder
from bot.dialogue.dot import to_dot
from bot.graphviz import INSTALL, TIMEOUT, GraphError, render

FORMATS = {".png": "png", ".svg": "svg"}


def add_parser(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``graph`` action to the ``goodwork dialogues`` actions."""
    graph = actions.add_parser("graph", help="draw a dialogue as a PNG or SVG picture (needs Graphviz's dot)")
    graph.add_argument("dialogue", metavar="ID|FILE", help="a dialogue id, or the path of a .yaml file")
    graph.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="the picture to write: FILE.png or FILE.svg"
    )
    graph.add_argument("--lang", choices=("nl", "en"), help="language of the texts (default: the dialogue's first)")
    graph.add_argument(
        "--dialogues", type=Path, help="folder of dialogues (default: $GOODWORK_DIALOGUES or dialogues/)"
    )
    graph.set_defaults(run=run)


def run(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None, dot: str = "dot") -> int:
    """Draw ``args.dialogue`` into ``args.out``; 0 when written, 1 when drawing failed, 2 when unusable as asked."""
    err = stderr or sys.stderr
    out = Path(args.out)
    image_format = FORMATS.get(out.suffix.lower())
    if image_format is None:
        suffix = repr(out.suffix) if out.suffix else "no suffix"
        print(f"goodwork: cannot tell the picture format from {suffix} in {str(out)!r}: use .png or .svg", file=err)
        return 2
    if not out.parent.is_dir():
        print(f"goodwork: cannot write {str(out)!r}: the folder {str(out.parent)!r} does not exist", file=err)
        return 2
    found = find_dialogue(args.dialogue, getattr(args, "dialogues", None) or dialogues_folder(), err)
    if found is None:
        return 1
    dialogue, _ = found
    language = getattr(args, "lang", None) or dialogue.languages[0]
    if language not in dialogue.languages:
        print(f"goodwork: {dialogue.id!r} has no {language!r} text; it has {', '.join(dialogue.languages)}", file=err)
        return 1
    program = shutil.which(dot)
    if program is None:
        print(f"goodwork: the Graphviz program {dot!r} was not found on PATH; {INSTALL}", file=err)
        return 2
    try:
        picture = render(to_dot(dialogue, language), image_format, program)
        write(out, picture)
    except GraphError as exc:
        print(f"goodwork: {exc}", file=err)
        return 1
    print(f"wrote {out} ({len(dialogue.nodes)} nodes, {language})", file=stdout or sys.stdout)
    return 0


def write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``; raises GraphError with the reason."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise GraphError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None


__all__ = ["INSTALL", "TIMEOUT", "GraphError", "add_parser", "render", "run", "write"]
