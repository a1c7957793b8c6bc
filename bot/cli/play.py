"""``goodwork play DIALOGUE_ID``: the same engine and store as the bot, in a terminal.

Options are numbered; type a number (or an option id), free text for a
reflection, ``skip``, ``back`` or ``quit``. End of input ends the game cleanly.
Answers are kept in the store like the bot keeps them, so ``--resume``
continues where the last game stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import shutil
import sys
import textwrap
from pathlib import Path
from typing import TextIO

from bot.cli.playkey import play_keys
from bot.config import Settings, dialogues_folder
from bot.dialogue import engine
from bot.dialogue.engine import AskChoice, AskText, Chosen, Finished, Output, Say
from bot.dialogue.files import SUFFIXES, Report, check_paths
from bot.dialogue.model import Dialogue, DialogueId, OptionId
from bot.dialogue.problems import did_you_mean
from bot.store import open_store
from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations, Outcome
from bot.store.keys import Pseudonym

HELP = "Type a number to choose, text to answer, 'skip', 'back' or 'quit'."


def run(
    args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    err = stderr or sys.stderr
    found = find_dialogue(args.dialogue, args.dialogues or dialogues_folder(), err)
    if found is None:
        return 1
    dialogue, path = found
    language = args.lang or dialogue.languages[0]
    if language not in dialogue.languages:
        print(f"goodwork: {dialogue.id!r} has no {language!r} text; it has {', '.join(dialogue.languages)}", file=err)
        return 1
    game = Game(path, language, getattr(args, "resume", False))
    return asyncio.run(game.play(stdin or sys.stdin, stdout or sys.stdout, err))


def find_dialogue(name: str, folder: Path, out: TextIO) -> tuple[Dialogue, Path] | None:
    """The dialogue named ``name`` (an id in ``folder``, or a file) and the file it came from."""
    as_file = Path(name)
    source = as_file if as_file.suffix in SUFFIXES and as_file.is_file() else folder
    report = check_paths([source])
    found = report.dialogues.get(DialogueId(name)) or (
        next(iter(report.dialogues.values()), None) if source == as_file else None
    )
    if found is None:
        _explain_missing(name, source, report, out)
        return None
    return found, Path(report.sources[found.id])


def _explain_missing(name: str, source: Path, report: Report, out: TextIO) -> None:
    problems = [p for p in report.errors if source == Path(name) or name in p.path]
    for problem in problems or report.errors:
        print(problem, file=out)
    if not problems:
        hint = did_you_mean(name, report.dialogues)
        known = ", ".join(sorted(report.dialogues)) or "none"
        print(f"goodwork: no dialogue {name!r} in {str(source)!r}{hint}; dialogues there: {known}", file=out)


class Game:
    """One terminal session: publishes the file to the store (a new version only if it changed) and plays it."""

    def __init__(self, path: Path, language: str, resume: bool) -> None:
        self.path, self.language, self.resume = path, language, resume

    async def play(self, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
        settings = Settings.from_env()
        keys = play_keys(settings, stderr)
        store = await open_store(settings, keys)
        try:
            conversations = Conversations(store, Catalogue(store))
            source = self.path.read_bytes()
            dialogue = await conversations.catalogue.publish(source, str(self.path), "goodwork play", self.path.parent)
            who = keys.identity(f"terminal:{getpass.getuser()}")
            player = Player(conversations, who.person, dialogue, stdin, stdout)
            return await player.play(self.language, self.resume)
        finally:
            await store.close()


class Player:
    def __init__(
        self, conversations: Conversations, person: Pseudonym, dialogue: Dialogue, stdin: TextIO, stdout: TextIO
    ) -> None:
        self.conversations, self.person, self.dialogue = conversations, person, dialogue
        self.stdin, self.out = stdin, stdout

    async def play(self, language: str, resume: bool = False) -> int:
        outcome = await self.conversations.current(self.person, self.dialogue.id) if resume else None
        await self.greet(outcome, language)
        if resume and outcome is None:
            self.say("(nothing to resume: starting from the beginning)\n")
        if outcome is None:
            outcome = await self.conversations.apply(self.person, self.dialogue.id, engine.Start(language))
        self.show(outcome.outputs)
        while outcome.state is not None and not outcome.state.done:
            line = self.ask()
            if line is None or line.strip().lower() in ("quit", "q", "exit"):
                self.say(f"Stopped. Continue later with: goodwork play {self.dialogue.id} --resume")
                return 0
            outcome = await self.apply(outcome, line.strip())
        return 0

    async def greet(self, resumed: Outcome | None, language: str) -> None:
        """The title, in the language and version of the game being resumed if there is one."""
        dialogue = self.dialogue
        if resumed is not None and resumed.state is not None:
            language = resumed.state.language
            dialogue = await self.conversations.catalogue.get(dialogue.id, resumed.state.version)
        self.say(f"== {dialogue.title.get(language)} ==  ({HELP})")

    async def apply(self, outcome: Outcome, line: str) -> Outcome:
        event = self.event(outcome, line)
        try:
            moved = await self.conversations.apply(self.person, self.dialogue.id, event)
        except engine.EngineError as exc:
            self.say(f"(!) {explain(exc, event)}")
            return outcome
        self.show(moved.outputs)
        return moved

    def event(self, outcome: Outcome, line: str) -> engine.Event:
        words = line.lower()
        if words == "back":
            return engine.Back()
        if words == "skip":
            return engine.Skip()
        asked = engine.question(outcome.outputs)
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


def explain(error: engine.EngineError, event: engine.Event) -> str:
    """What went wrong, in a player's words: never an internal node or option id."""
    if isinstance(error, engine.AnswerLengthError):
        if error.too_long:
            return f"That answer is too long: keep it to {error.maximum:,} characters."
        return f"That answer is too short: write at least {error.minimum} characters."
    if isinstance(error, engine.NotOfferedError):
        return "That is not one of the options: type its number."
    if isinstance(error, engine.StaleError):
        return "This game no longer fits the dialogue file: start it again without --resume."
    if isinstance(error, engine.LoopError):
        return "The dialogue goes round in circles without asking anything: run 'goodwork validate' on it."
    if isinstance(event, engine.Back):
        return "There is no earlier question."
    if isinstance(event, engine.Skip):
        return "This question cannot be skipped."
    return f"That does not fit here. {HELP}"


def render(output: Output) -> str:
    """One output as terminal text."""
    if isinstance(output, Say):
        return output.text + (f"\n   [image: {output.image}]" if output.image else "")
    if isinstance(output, AskChoice):
        numbered = "\n".join(f"  {n}. {offer.label}" for n, offer in enumerate(output.options, 1))
        return f"{output.text}\n{numbered}"
    if isinstance(output, AskText):
        return f"{output.text}\n  ({_answer_hint(output)})"
    if isinstance(output, Chosen):
        peers = "\n   (in the bot, colleagues' choices appear here once enough have answered)" if output.peers else ""
        return f"  -> {output.label}{peers}"
    if isinstance(output, Finished):
        return "-- end --"
    return ""


def _answer_hint(question: AskText) -> str:
    least = f", at least {question.min_length} characters" if question.min_length > 1 else ""
    return f"write your answer{least}" + (", or 'skip'" if question.skip_data else "")
