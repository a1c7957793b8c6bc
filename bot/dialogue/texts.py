"""Reading texts (one per language), bubbles and images, with Telegram's limits."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from bot.dialogue.model import LANGUAGES, Text
from bot.dialogue.problems import Problem
from bot.dialogue.reader import Reader, present
from bot.dialogue.yamltree import Map, Scalar, Seq, Tree

MAX_TEXT = 4096
LONG_BUBBLE = 1000
MAX_LABEL = 48
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


class TextReader(Reader):
    def read_languages(self, tree: Tree) -> tuple[str, ...] | None:
        """``languages:``: one language or a list, each of nl and en at most once."""
        items = (tree,) if isinstance(tree, Scalar) else self.sequence(tree, "'languages'")
        if not items:
            if items is not None:
                self.error(tree.mark, "'languages' is empty: name at least one of nl, en")
            return None
        found = present(self.one_of(item, "language", LANGUAGES) for item in items)
        if found is not None and len(set(found)) < len(found):
            self.error(tree.mark, "'languages' names a language twice")
        return None if found is None else tuple(dict.fromkeys(found))

    def __init__(self, path: str, problems: list[Problem], base_dir: Path | None) -> None:
        super().__init__(path, problems)
        self.base_dir = base_dir
        self.languages: tuple[str, ...] = ("en",)

    def text(self, tree: Tree, what: str) -> Text | None:
        if isinstance(tree, Map):
            return self.text_by_language(tree, what)
        if len(self.languages) > 1:
            self.error(tree.mark, f"{what} needs a text per language: {{{', '.join(self.languages)}}}")
            return None
        text = self.bounded(tree, what)
        return None if text is None else Text({self.languages[0]: text})

    def text_by_language(self, tree: Map, what: str) -> Text | None:
        found: dict[str, str] = {}
        for language, (key, value) in tree.items.items():
            if language not in self.languages:
                hint = self.suggest(language, self.languages)
                self.error(key.mark, f"{what} has language {language!r}{hint}, not in 'languages'")
            elif (text := self.bounded(value, f"{what} ({language})")) is not None:
                found[language] = text
        missing = [language for language in self.languages if language not in tree.items]
        if missing:
            self.error(tree.mark, f"{what} is missing the {' and '.join(missing)} text")
        return Text(found) if len(found) == len(tree.items) and not missing else None

    def bounded(self, tree: Tree, what: str) -> str | None:
        text = self.string(tree, what)
        if text is not None and len(text) > MAX_TEXT:
            self.error(tree.mark, f"{what} is {len(text):,} characters, Telegram allows {MAX_TEXT:,}")
            return None
        if text is not None and len(text) > LONG_BUBBLE:
            self.warn(tree.mark, f"{what} is {len(text):,} characters: long for a phone, split it into bubbles")
        return text

    def bubbles(self, tree: Tree) -> tuple[Text, ...] | None:
        items = tree.items if isinstance(tree, Seq) else (tree,)
        if not items:
            self.error(tree.mark, "'say' is empty")
        texts = present(self.text(item, "'say'") for item in items)
        return texts or None

    def image(self, tree: Tree) -> str | None:
        name = self.string(tree, "'image'")
        problem = None if name is None else _image_problem(name, self.base_dir)
        if problem:
            self.error(tree.mark, problem)
            return None
        return name


def _image_problem(name: str, base_dir: Path | None) -> str | None:
    if name.startswith("https://"):
        return None
    path = PurePosixPath(name)
    if "://" in name or path.is_absolute() or ".." in path.parts:
        return f"image {name!r} must be an https:// address or a file beside the dialogue"
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return f"image {name!r} must be one of {', '.join(IMAGE_SUFFIXES)}"
    if base_dir is not None and not (base_dir / path).is_file():
        return f"image file {name!r} not found in {str(base_dir)!r}"
    return None
