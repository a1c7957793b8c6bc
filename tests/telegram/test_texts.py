"""The bot's own words: both languages for every key, matching placeholders, phone-sized."""

from __future__ import annotations

import re
import string

import pytest

from bot.telegram.texts import COMMANDS, LANGUAGE_BUTTONS, LANGUAGES, TEXTS, text

SAMPLE_VALUES: dict[str, object] = {
    "plan": "2d connecting-2-days, 1w connecting-1-week, 3w connecting-3-weeks, 2m connecting-2-months",
    "k": 5,
    "days": 365,
    "label": "Martin schrijft mee, maar zegt eerlijk wat hij ervan vindt",
    "percent": 42,
    "maximum": 2000,
    "minimum": 3,
    "course": "The Art of Connecting: werken in de netwerksamenleving",
    "tranche": "Utrecht maart",
    "count": 4,
    "title": "Twee maanden later: korte lijnen, open besluiten",
    "until": "maandag 11 januari 2027",
    "size": "5.000.000",
    "filename": "verantwoordelijkheid-integriteit-en-loyaliteit-in-de-praktijk.yaml",
    "languages": "nl, en",
    "nodes": 48,
    "dialogue": "ethics-loyalty-and-speaking-up",
    "version": 12,
    "ids": "hello, pick, why, write, talk, bye, " * 3 + "…and 40 more",
    "error": "dot stopped after 30 seconds without drawing anything",
    "in_language": "nl",
    "courses": "art-of-connecting, speaking-up, working-with-politics",
    "day": "2026-03-14",
    "minutes": 10,
    "seconds": 20,
    "shares": "45 % ik spreek mijn collega aan, 30 % ik zwijg, 25 % ik overleg eerst met mijn leidinggevende",
    "state": "aan",
    "number": 3,
    "shared": "minder dan 5",
    "mark": "○",
    "page": 2,
    "pages": 3,
    "when": "2026-03-14 09:30",
    "by": "trainer 4531befe in chat, rolled back to 11",
    "code": "4531befe",
    "user": "maria",
}


def placeholders(template: str) -> set[str]:
    """The names of the ``{fields}`` in ``template``."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def test_every_key_has_every_language() -> None:
    """Each text exists, non-empty, in exactly the supported languages."""
    for key, translations in TEXTS.items():
        assert set(translations) == set(LANGUAGES), key
        assert all(translations[language].strip() for language in LANGUAGES), key


def test_placeholders_match_between_languages() -> None:
    """A placeholder used in one language is used in the other, and no other."""
    for key, translations in TEXTS.items():
        assert placeholders(translations["nl"]) == placeholders(translations["en"]), key


def test_placeholders_have_sample_values() -> None:
    """Every placeholder is one the tests know how to fill (so none slips in by typo)."""
    used = set().union(*(placeholders(t) for translations in TEXTS.values() for t in translations.values()))
    assert used <= set(SAMPLE_VALUES)


def test_text_fills_placeholders() -> None:
    """Values given by name land in their placeholders."""
    assert text("peers_line", "en", label="Speak up", percent=40) == "Speak up: 40%"
    assert "7" in text("too_short", "nl", minimum=7)


@pytest.mark.parametrize("language", [None, "", "fr", "xx-YY"])
def test_unknown_language_falls_back_to_dutch(language: str | None) -> None:
    """No language, or one the bot does not speak, gives the Dutch text."""
    assert text("welcome", language) == TEXTS["welcome"]["nl"]


def test_regional_tag_uses_its_language() -> None:
    """A Telegram language code such as en-GB picks English."""
    assert text("help", "en-GB") == TEXTS["help"]["en"]


def test_missing_value_names_the_key() -> None:
    """A placeholder without a value raises KeyError naming the text and the placeholder."""
    with pytest.raises(KeyError, match="privacy") as raised:
        text("privacy", "en", k=5)
    assert "days" in str(raised.value)


def test_unknown_key_names_the_key() -> None:
    """Asking for a text that does not exist raises KeyError naming it."""
    with pytest.raises(KeyError, match="no_such_text"):
        text("no_such_text", "nl")


def test_command_names_and_descriptions_fit_telegram() -> None:
    """Command names and menu descriptions are within Telegram's setMyCommands limits."""
    for name, descriptions in COMMANDS.items():
        assert re.fullmatch(r"[a-z0-9_]{1,32}", name), name
        assert set(descriptions) == set(LANGUAGES), name
        assert all(3 <= len(descriptions[language]) <= 256 for language in LANGUAGES), name


def test_every_text_is_phone_sized() -> None:
    """Every text, filled with sample values, is at most 1,000 characters."""
    for key in TEXTS:
        for language in LANGUAGES:
            assert len(text(key, language, **SAMPLE_VALUES)) <= 1000, (key, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_lists_every_command(language: str) -> None:
    """The help text has a line for every command in the menu."""
    help_text = text("help", language)
    for name in COMMANDS:
        assert re.search(rf"^/{name}\b", help_text, re.MULTILINE), (name, language)


def test_language_buttons_cover_the_languages() -> None:
    """There is a button for each supported language."""
    assert set(LANGUAGE_BUTTONS) == set(LANGUAGES)


@pytest.mark.parametrize("key", ["followup", "reminder"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_question_as_title_gets_no_full_stop(key: str, language: str) -> None:
    """A follow-up or its reminder names a title ending in '?' without a full stop or other mark right after it."""
    title = "Twee dagen later: wat bleef hangen?"
    shown = text(key, language, course="De proefcursus", title=title)
    assert title in shown
    assert re.search(re.escape(title) + r"(\n|$)", shown), shown
