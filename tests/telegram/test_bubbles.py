"""A step's bubbles as few messages: joined as paragraphs, split only where Telegram's limits force it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.bubbles import CAPTION_LIMIT, MESSAGE_LIMIT, caption, cut, messages, units


def test_bubbles_of_a_step_are_paragraphs_of_one_message() -> None:
    assert messages(["Een zaak.", "Martin twijfelt.", "Wat doet hij?"]) == [
        "Een zaak.\n\nMartin twijfelt.\n\nWat doet hij?"
    ]


def test_a_message_is_split_between_paragraphs_where_the_limit_forces_it() -> None:
    long = "a" * 3500
    assert messages([long, "b" * 1000, "c" * 200, "vraag?"]) == [long, f"{'b' * 1000}\n\n{'c' * 200}\n\nvraag?"]


def test_exactly_the_limit_is_one_message() -> None:
    first = "x" * (MESSAGE_LIMIT - 2 - 5)
    assert messages([first, "vraag"]) == [f"{first}\n\nvraag"]
    assert messages([first, "vraag!"]) == [first, "vraag!"]


def test_a_paragraph_over_the_limit_is_cut_at_a_line_break_or_space() -> None:
    words = " ".join(["woord"] * 1000)  # 5,999 characters
    parts = messages([words])
    assert len(parts) == 2
    assert all(len(part) <= MESSAGE_LIMIT for part in parts)
    assert " ".join(parts) == words  # cut at a space, nothing lost
    assert not any(part.startswith(" ") or part.endswith(" ") for part in parts)


def test_a_paragraph_without_spaces_is_cut_anywhere() -> None:
    assert messages(["z" * (MESSAGE_LIMIT + 10)]) == ["z" * MESSAGE_LIMIT, "z" * 10]


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    text = "🙂" * MESSAGE_LIMIT  # 8,192 UTF-16 units
    parts = messages([text])
    assert [units(part) for part in parts] == [MESSAGE_LIMIT, MESSAGE_LIMIT]
    assert "".join(parts) == text


def test_a_caption_holds_what_fits_telegrams_1024() -> None:
    assert caption(["Kijk naar het plaatje.", "Wat zie je?"]) == "Kijk naar het plaatje.\n\nWat zie je?"
    assert caption(["x" * CAPTION_LIMIT]) == "x" * CAPTION_LIMIT
    assert caption(["x" * 600, "y" * 600]) is None
    assert caption(["é" * 1000, "🙂" * 12]) is None  # 1,000 + 2 + 24 units


paragraph = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=3000).filter(
    lambda s: s.strip() == s and s != ""
)


@given(st.lists(paragraph, min_size=1, max_size=6))
def test_every_message_fits_and_no_word_is_lost(paragraphs: list[str]) -> None:
    parts = messages(paragraphs)
    assert all(0 < units(part) <= MESSAGE_LIMIT for part in parts)
    squeeze = "".join("".join(paragraphs).split())
    assert "".join("".join(parts).split()) == squeeze  # only whitespace may change at a cut
    if sum(units(p) for p in paragraphs) + 2 * (len(paragraphs) - 1) <= MESSAGE_LIMIT:
        assert parts == ["\n\n".join(paragraphs)]


def test_a_caption_the_bot_made_is_cut_to_what_telegram_allows_never_inside_an_emoji() -> None:
    """A long caption of emoji (two units each) is cut at 1,024 units, not 1,024 characters."""
    sprouts = "🌱" * 1000
    kept = cut(sprouts, CAPTION_LIMIT)
    assert kept == "🌱" * 512 and units(kept) == CAPTION_LIMIT
    assert cut("a" + sprouts, CAPTION_LIMIT) == "a" + "🌱" * 511  # 1,023 units: the next emoji would not fit
    assert cut("kort", CAPTION_LIMIT) == "kort"
