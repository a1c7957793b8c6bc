"""``goodwork play DIALOGUE_ID``: the same engine as the bot, in a terminal.

Options are numbered; type a number (or an option id), free text for a
reflection, ``skip``, ``back`` or ``quit``. End of input ends the game cleanly.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from pathlib import Path
from typing import TextIO

from bot.config import dialogues_folder
from bot.dialogue import engine
from bot.dialogue.engine import AskChoice, AskText, Chosen, Finished, Output, Say
from bot.dialogue.files import SUFFIXES, Report, check_paths
from bot.dialogue.model import Dialogue, DialogueId, OptionId
from bot.dialogue.problems import did_you_mean

HELP = "Type a number to choose, text to answer, 'skip', 'back' or 'quit'."


def run(
    args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    err = stderr or sys.stderr
    dialogue = find_dialogue(args.dialogue, args.dialogues or dialogues_folder(), err)
    if dialogue is None:
        return 1
    language = args.lang or dialogue.languages[0]
    if language not in dialogue.languages:
        print(f"goodwork: {dialogue.id!r} has no {language!r} text; it has {', '.join(dialogue.languages)}", file=err)
        return 1
    return Player(dialogue, stdin or sys.stdin, stdout or sys.stdout).play(language)


def find_dialogue(name: str, folder: Path, out: TextIO) -> Dialogue | None:
    as_file = Path(name)
    source = as_file if as_file.suffix in SUFFIXES and as_file.is_file() else folder
    report = check_paths([source])
    found = report.dialogues.get(DialogueId(name)) or (
        next(iter(report.dialogues.values()), None) if source == as_file else None
    )
    if found is None:
        _explain_missing(name, source, report, out)
    return found


def _explain_missing(name: str, source: Path, report: Report, out: TextIO) -> None:
    problems = [p for p in report.errors if source == Path(name) or name in p.path]
    for problem in problems or report.errors:
        print(problem, file=out)
    if not problems:
        hint = did_you_mean(name, report.dialogues)
        known = ", ".join(sorted(report.dialogues)) or "none"
        print(f"goodwork: no dialogue {name!r} in {str(source)!r}{hint}; dialogues there: {known}", file=out)


class Player:
    def __init__(self, dialogue: Dialogue, stdin: TextIO, stdout: TextIO) -> None:
        self.dialogue, self.stdin, self.out = dialogue, stdin, stdout

    def play(self, language: str) -> int:
        self.say(f"== {self.dialogue.title.get(language)} ==  ({HELP})")
        transition = engine.start(self.dialogue, language)
        self.show(transition.outputs)
        while not transition.state.done:
            line = self.ask()
            if line is None or line.strip().lower() in ("quit", "q", "exit"):
                self.say("Stopped. Bye!")
                return 0
            transition = self.apply(transition, line.strip())
        return 0

    def apply(self, transition: engine.Transition, line: str) -> engine.Transition:
        try:
            moved = engine.step(self.dialogue, transition.state, self.event(transition, line))
        except engine.EngineError as exc:
            self.say(f"(!) {exc}. {HELP}")
            return transition
        self.show(moved.outputs)
        return moved

    def event(self, transition: engine.Transition, line: str) -> engine.Event:
        words = line.lower()
        if words == "back":
            return engine.Back()
        if words == "skip":
            return engine.Skip()
        asked = engine.question(transition.outputs)
        if isinstance(asked, AskChoice):
            return engine.Choose(self.option_id(asked, line))
        return engine.Answer(line)

    @staticmethod
    def option_id(question: AskChoice, line: str) -> OptionId:
        if line.isdigit() and 1 <= int(line) <= len(question.options):
            return question.options[int(line) - 1].id
        return OptionId(line)

    def show(self, outputs: tuple[Output, ...]) -> None:
        """Each bubble wrapped to the terminal, with a blank line between bubbles."""
        width = min(shutil.get_terminal_size().columns, 88) - 2
        for text in filter(None, map(render, outputs)):
            lines = text.splitlines() or [""]
            self.say("\n".join(textwrap.fill(line, width, subsequent_indent=_indent(line)) for line in lines) + "\n")

    def ask(self) -> str | None:
        self.out.write("> ")
        self.out.flush()
        line = self.stdin.readline()
        if not line:
            self.say("")
            return None
        return line

    def say(self, text: str) -> None:
        print(text, file=self.out)


def _indent(line: str) -> str:
    return " " * (len(line) - len(line.lstrip()) + (3 if line.lstrip()[:1].isdigit() else 0))


def render(output: Output) -> str:
    """One output as terminal text."""
    if isinstance(output, Say):
        return output.text + (f"\n   [image: {output.image}]" if output.image else "")
    if isinstance(output, AskChoice):
        numbered = "\n".join(f"  {n}. {offer.label}" for n, offer in enumerate(output.options, 1))
        return f"{output.text}\n{numbered}"
    if isinstance(output, AskText):
        return output.text + ("\n  (write your answer, or 'skip')" if output.skip_data else "\n  (write your answer)")
    if isinstance(output, Chosen):
        peers = "\n   (in the bot, colleagues' choices appear here once enough have answered)" if output.peers else ""
        return f"  -> {output.label}{peers}"
    if isinstance(output, Finished):
        return "-- end --"
    return ""
