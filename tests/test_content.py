"""The dialogues we ship: clean, fully walked, phone-sized, in both languages, and never grading."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.dialogue.files import check_paths
from bot.dialogue.model import Choice, Dialogue, End, Message, Node, Reflection, Text
from bot.telegram.menus import TRAINER_COMMANDS
from bot.telegram.texts import COMMANDS, TEXTS

ROOT = Path(__file__).parents[1]
DIALOGUES = ROOT / "dialogues"
SHIPPED = check_paths([DIALOGUES]).dialogues
PHONE_BUBBLE = 500  # characters: what reads comfortably as one chat bubble
COUNSELLOR = {"nl": "vertrouwenspersoon", "en": "counsellor"}


def by_session(session: str) -> list[Dialogue]:
    return [d for d in SHIPPED.values() if d.session == session]


def texts(node: Node) -> Iterator[Text]:
    if isinstance(node, Message | End):
        yield from node.say
    if isinstance(node, Choice | Reflection):
        yield from node.say
        yield node.ask
    if isinstance(node, Choice):
        yield from (option.label for option in node.options)


def all_texts(dialogue: Dialogue) -> Iterator[Text]:
    yield dialogue.title
    for node in dialogue.nodes.values():
        yield from texts(node)


def reflections(dialogue: Dialogue) -> list[Reflection]:
    return [node for node in dialogue.nodes.values() if isinstance(node, Reflection)]


def peer_choices(dialogue: Dialogue) -> list[Choice]:
    return [node for node in dialogue.nodes.values() if isinstance(node, Choice) and node.peers]


def test_shipped_dialogues_are_clean_and_fully_walked() -> None:
    """`goodwork validate dialogues/ --walk 200` finds no error and no warning (so every node is visited)."""
    report = check_paths([DIALOGUES], walks=200)
    assert [str(p) for p in report.problems] == []


def test_the_toolkit_and_the_course_are_all_there() -> None:
    """Introduction, Excellence, two Ethics cases, Engagement, four follow-ups, a manager track, 8+ weekly dilemmas."""
    sessions = Counter(d.session for d in SHIPPED.values())
    assert sessions["intro"] >= 1 and sessions["excellence"] >= 1 and sessions["engagement"] >= 1
    assert sessions["ethics"] >= 2 and "martin" in SHIPPED
    assert sessions["followup"] >= 4 and sessions["manager"] >= 1 and sessions["weekly"] >= 8


@pytest.mark.parametrize("dialogue_id", sorted(SHIPPED))
def test_every_text_in_both_languages_and_phone_sized(dialogue_id: str) -> None:
    """Every text exists in Dutch and English, and no bubble is longer than a phone screen comfortably shows."""
    dialogue = SHIPPED[dialogue_id]
    assert dialogue.languages == ("nl", "en")
    for text in all_texts(dialogue):
        assert set(text.by_language) == {"nl", "en"}, text
        too_long = {lang: len(t) for lang, t in text.by_language.items() if len(t) > PHONE_BUBBLE}
        assert not too_long, f"{dialogue_id}: {too_long} characters: {text.get('en')[:60]!r}"


@pytest.mark.parametrize("dialogue_id", sorted(SHIPPED))
def test_reflections_and_peer_choices(dialogue_id: str) -> None:
    """Weekly dilemmas ask one reflection after a peers choice; every other dialogue asks at least two reflections."""
    dialogue = SHIPPED[dialogue_id]
    if dialogue.session == "weekly":
        assert len(reflections(dialogue)) == 1 and peer_choices(dialogue)
    else:
        assert len(reflections(dialogue)) >= 2
    assert peer_choices(dialogue) or dialogue.session in ("intro", "engagement", "followup")


@pytest.mark.parametrize("dialogue_id", sorted(SHIPPED))
def test_every_ending_says_something(dialogue_id: str) -> None:
    """Each end closes with words (thanks, a summary, one thing to try), never silence."""
    ends = [node for node in SHIPPED[dialogue_id].nodes.values() if isinstance(node, End)]
    assert ends and all(end.say for end in ends)


@pytest.mark.parametrize("dialogue_id", sorted(SHIPPED))
def test_never_grades(dialogue_id: str) -> None:
    """No text praises an answer as correct or best, or keeps a score ("no right or wrong answer" is fine)."""
    grading = re.compile(
        r"(correct answer|that's correct|you scored|your score|best answer|the right answer is|"
        r"goed zo|het juiste antwoord is|je score|punten gescoord|beste antwoord)",
        re.I,
    )
    for text in all_texts(SHIPPED[dialogue_id]):
        for line in text.by_language.values():
            assert not grading.search(line), line


@pytest.mark.parametrize("dialogue_id", ["martin", "ethics-second-case", "connecting-2-months"])
def test_integrity_counsellor_is_mentioned(dialogue_id: str) -> None:
    """Where a reflection may touch a serious integrity concern, the confidential counsellor is mentioned."""
    dialogue = SHIPPED[dialogue_id]
    for language, word in COUNSELLOR.items():
        assert any(word in text.get(language).lower() for text in all_texts(dialogue)), language


def test_readme_lists_every_dialogue() -> None:
    """The README's table of shipped dialogues has a row for each one."""
    readme = (ROOT / "README.md").read_text()
    missing = [d for d in SHIPPED if f"| `{d}` |" not in readme]
    assert missing == []


def test_martin_uses_every_feature() -> None:
    """The Martin dialogue uses every node kind, a condition, a variable and the peers flag in nl and en."""
    martin = SHIPPED["martin"]
    kinds = {type(node).__name__ for node in martin.nodes.values()}
    assert kinds == {"Message", "Choice", "Reflection", "Branch", "End"}
    assert martin.languages == ("nl", "en") and martin.variables
    options = [option for node in martin.nodes.values() if isinstance(node, Choice) for option in node.options]
    assert peer_choices(martin) and any(option.sets or option.adds for option in options)


def test_follow_ups_and_weekly_dilemmas_may_be_shared_toolkit_sessions_not() -> None:
    """Each follow-up and weekly dilemma offers a reflection to share with the group; toolkit sessions stay personal."""
    shared = {d.id for d in SHIPPED.values() if any(r.share for r in reflections(d))}
    group = {d.id for d in SHIPPED.values() if d.session in ("followup", "weekly")}
    toolkit = {d.id for d in SHIPPED.values() if d.session in ("intro", "excellence", "ethics", "engagement")}
    assert (sorted(group - shared), sorted(toolkit & shared)) == ([], [])


THREE_ES_ELSEWHERE = re.compile(r"\b(excellen\w*|ethics|ethiek|engagement)\b|(?-i:\bE('s)?\b)", re.IGNORECASE)


def dutch_texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every Dutch text of the shipped dialogues (summaries too) and of the bot itself."""
    for dialogue in SHIPPED.values():
        for text in (*all_texts(dialogue), *([dialogue.summary] if dialogue.summary else [])):
            yield dialogue.id, text.get("nl")
    for key, translations in {**TEXTS, **COMMANDS, **TRAINER_COMMANDS}.items():
        yield f"texts.py {key}", translations["nl"]


def test_dutch_names_the_three_es_one_way() -> None:
    """In Dutch the three E's are only Vakmanschap, Verantwoordelijkheid and Betrokkenheid: never Excellence,
    Ethics, Ethiek, Engagement, nor "the E's" that only the English names explain."""
    found = [(where, match.group()) for where, text in dutch_texts() for match in THREE_ES_ELSEWHERE.finditer(text)]
    assert found == []
