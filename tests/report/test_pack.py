"""The Community of Practice pack: shared reflections only, anonymous, escaped, and only from k people on."""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser

import pytest

from bot.report.pack import SharedReflection, cop_pack, explain_refusal

K = 5
TEMPLATE_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "main",
    "h1",
    "h2",
    "h3",
    "p",
    "section",
    "blockquote",
}


class Page(HTMLParser):
    """The parsed pack: every start tag, and the text of each heading and quoted reflection."""

    def __init__(self, html: bytes) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: dict[str, list[str]] = {"h1": [], "h2": [], "h3": [], "p": [], "blockquote": []}
        self._open: str | None = None
        self.feed(html.decode("utf-8"))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._open = tag if tag in self.texts else None
        if self._open:
            self.texts[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self.texts[self._open][-1] += data


def reflection(
    text: str, dialogue: str = "Martin", question: str = "Wat weegt voor jou het zwaarst?"
) -> SharedReflection:
    return SharedReflection(dialogue, question, "2026-W47", text)


SHARED = [
    reflection("Dat ik mijn twijfel niet uitsprak."),
    reflection("Loyaliteit aan het team."),
    reflection("De mensen om wie het gaat.", question="Wat neem je mee?"),
    SharedReflection("Gratis pilot", "Wat doe je?", "2026-W49", "Eerst de integriteitsadviseur bellen."),
    SharedReflection("Gratis pilot", "Wat doe je?", "2026-W48", "Nee zeggen, vriendelijk."),
]


def pack(reflections: list[SharedReflection], sharers: int = K, seed: int = 1, language: str = "nl") -> bytes:
    made = cop_pack(
        "De kunst van het verbinden",
        "Utrecht najaar",
        "2026-W50",
        reflections,
        sharers=sharers,
        language=language,
        k=K,
        rng=random.Random(seed),
    )
    assert made is not None
    return made


@pytest.mark.parametrize(("sharers", "made"), [(K - 1, False), (K, True), (K + 1, True)])
def test_a_pack_needs_k_people_who_shared(sharers: int, made: bool) -> None:
    """k-1 people sharing five reflections give no pack; k and k+1 do, and the page says how many people."""
    result = cop_pack(
        "C", "T", "2026-W50", SHARED + [reflection("x")] * 2, sharers=sharers, language="en", k=K, rng=random.Random(0)
    )
    assert (result is not None) == made
    if result is not None:
        assert f"7 reflections from {sharers} people" in Page(result).texts["p"][-1]


def test_the_refusal_does_not_say_how_many_shared() -> None:
    """Too few sharers: the trainer reads that fewer than k shared, never the number itself."""
    assert explain_refusal("nl", K) == (
        "Nog niet genoeg gedeeld voor een gesprekspakket: minder dan 5 mensen van deze groep deelden "
        "een reflectie, en er zijn er minstens 5 nodig."
    )
    assert "fewer than 5 people" in explain_refusal("en", K)


def test_markup_in_a_reflection_is_shown_as_text() -> None:
    """<b>, *bold*, a script and a closing tag in a reflection are shown as typed and make no element."""
    tricky = [
        "<b>vet</b> en *bold*",
        "</blockquote><script>alert(1)</script>",
        '<img src="https://example.org/x.png" onerror="alert(2)">',
        "&amp; <!-- --> <a href='https://example.org'>link</a>",
    ]
    page = Page(pack([*SHARED, *map(reflection, tricky)]))
    assert {tag for tag, _ in page.tags} == TEMPLATE_TAGS
    assert set(tricky) <= set(page.texts["blockquote"])


def test_titles_from_trainers_are_escaped_too() -> None:
    """A dialogue title or question with markup is a heading's text, not an element."""
    page = Page(pack([*SHARED, reflection("ok", dialogue="<i>Martin</i>", question="Wat & <u>waarom</u>?")]))
    assert {tag for tag, _ in page.tags} == TEMPLATE_TAGS
    assert "<i>Martin</i>" in page.texts["h2"] and "Wat & <u>waarom</u>?" in page.texts["h3"]


def test_reflections_are_grouped_by_dialogue_then_question() -> None:
    """Dialogues and their questions come in alphabetical order, each reflection once under its own question."""
    page = Page(pack(SHARED))
    assert page.texts["h2"] == ["Gratis pilot", "Martin"]
    assert page.texts["h3"] == ["Wat doe je?", "Wat neem je mee?", "Wat weegt voor jou het zwaarst?"]
    assert sorted(page.texts["blockquote"]) == sorted(r.text for r in SHARED)
    html = pack(SHARED).decode()
    assert html.index("De mensen om wie het gaat.") < html.index("Dat ik mijn twijfel niet uitsprak.")


def test_order_within_a_group_is_random_and_says_nothing_about_who_shared_first() -> None:
    """Seeds change the order; with one seed the page is the same whatever order the caller read them in."""
    many = [reflection(f"Reflectie {letter}") for letter in "ABCDEFGHIJ"]
    orders = {tuple(Page(pack(many, seed=seed)).texts["blockquote"]) for seed in range(10)}
    assert len(orders) > 1
    assert pack(many, seed=3) == pack(list(reversed(many)), seed=3)


def test_no_identifier_and_no_date_finer_than_a_week() -> None:
    """A reflection is shown alone: only the pack's week and the span of weeks written appear, no day or time."""
    page = pack(SHARED).decode()
    assert set(re.findall(r"\d{4}-W\d{2}", page)) == {"2026-W50", "2026-W47", "2026-W49"}
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}", page)
    assert "week 2026-W47 tot en met 2026-W49" in Page(pack(SHARED)).texts["p"][-1]
    assert all(attrs == [] for tag, attrs in Page(pack(SHARED)).tags if tag in {"blockquote", "section"})


def test_the_page_is_self_contained_and_readable_on_a_phone() -> None:
    """One UTF-8 file: a viewport, large type, inline style, no script and nothing fetched from elsewhere."""
    html = pack([*SHARED, reflection("Één keer écht luisteren – naïef?")], language="en").decode("utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<html lang="en">' in html and '<meta charset="utf-8">' in html
    assert re.search(r"body\{[^}]*font:18px", html)
    for outside in ("<script", "<link", "<img", "src=", "href=", "url(", "@import", "://"):
        assert outside not in html
    assert "content=\"default-src 'none'; style-src 'unsafe-inline'\"" in html
    assert "Één keer écht luisteren – naïef?" in html


def test_the_reminder_asks_not_to_quote_with_names() -> None:
    """The page reminds the reader, in their language, that these are anonymous and not to be quoted with a name."""
    assert "noem of citeer ze nooit met een naam" in Page(pack(SHARED)).texts["p"][1]
    assert "never quote or mention them with a name" in Page(pack(SHARED, language="en")).texts["p"][1]


@pytest.mark.parametrize(
    ("sharers", "reflections", "message"),
    [
        pytest.param(
            6, SHARED, "sharers: 6 people cannot have shared 5 reflections", id="more people than reflections"
        ),
        pytest.param(-1, SHARED, "sharers: -1", id="negative"),
    ],
)
def test_counts_that_cannot_be_are_refused(sharers: int, reflections: list[SharedReflection], message: str) -> None:
    """More sharers than reflections is a caller's mistake, named with its numbers."""
    with pytest.raises(ValueError, match=message):
        cop_pack("C", "T", "2026-W50", reflections, sharers=sharers, language="nl", k=K, rng=random.Random(0))


def test_a_reflection_with_a_malformed_week_is_refused() -> None:
    """A week that is not an ISO week is named in the error."""
    odd = [*SHARED, SharedReflection("Martin", "Wat?", "2026-11-20", "tekst")]
    with pytest.raises(ValueError, match="ISO week: '2026-11-20'"):
        pack(odd)
