"""A Community of Practice discussion pack: the reflections a tranche shared, as one self-contained HTML page.

The page is meant to be sent as a document and read on a phone or printed: one
file in UTF-8 with its style inline, no script, nothing loaded from elsewhere
(a Content-Security-Policy says so to the browser as well). Reflections are
grouped by dialogue and then question, both in alphabetical order, and
shuffled within a group by the caller's ``random.Random``; they are sorted
first, so the order never depends on the order the caller read them in (which
could be the order people shared). A reflection carries no identifier and no
date: the page gives only the range of ISO weeks they were written in. Every
text, the trainer's titles included, goes through ``html.escape``, so
``<b>`` or ``*bold*`` in a reflection shows as those characters.

There is no pack while fewer than *k* distinct people shared (``cop_pack``
returns None, and ``explain_refusal`` says so without the number).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from html import escape
from typing import Final

from bot.report import texts
from bot.report.threshold import check_k, figure
from bot.report.weeks import monday

_STYLE: Final = """
body{margin:0;padding:1rem;font:18px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1a1a1a;background:#fff}
main{max-width:40rem;margin:0 auto}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .5rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:2px solid #2f6f9f}
h3{font-size:1.05rem;margin:1.25rem 0 .5rem}
.meta{color:#4a4a4a;margin:.25rem 0}
.note{margin:1rem 0;padding:.75rem 1rem;background:#fff4e0;border-left:4px solid #c8601a}
blockquote{margin:.75rem 0;padding:.75rem 1rem;background:#f1f5f9;border-radius:.5rem;
white-space:pre-wrap;overflow-wrap:anywhere;unicode-bidi:plaintext}
@media print{body{font-size:12pt}blockquote{break-inside:avoid}}
""".strip()
_POLICY: Final = "default-src 'none'; style-src 'unsafe-inline'"


@dataclass(frozen=True, slots=True)
class SharedReflection:
    """One reflection a participant chose to share: where it was asked, the ISO week it was written, its text."""

    dialogue: str
    question: str
    week: str
    text: str


def cop_pack(
    course_title: str,
    tranche_name: str,
    iso_week: str,
    reflections: Sequence[SharedReflection],
    *,
    sharers: int,
    language: str,
    k: int,
    rng: random.Random,
) -> bytes | None:
    """The pack for ``iso_week`` as UTF-8 HTML, or None while fewer than ``k`` distinct people (``sharers``) shared."""
    say = partial(texts.say, language=texts.check_language(language))
    monday(iso_week)
    _check_sharers(sharers, len(reflections))
    people = figure(sharers, check_k(k)).value
    if people is None:
        return None
    weeks = sorted({monday(r.week): r.week for r in reflections}.items())
    first, last = weeks[0][1], weeks[-1][1]
    span = say("pack_week", first=first) if first == last else say("pack_weeks", first=first, last=last)
    head = [
        f"<h1>{escape(say('pack_title'))}</h1>",
        _paragraph("meta", say("pack_meta", course=course_title, tranche=tranche_name, week=iso_week)),
        _paragraph("note", say("pack_reminder")),
        _paragraph("meta", say("pack_count", reflections=len(reflections), people=people, weeks=span)),
    ]
    body = [*head, *_sections(reflections, rng)]
    title = f"{say('pack_title')}: {course_title}, {tranche_name}"
    return _page(language, title, body).encode("utf-8", "replace")


def explain_refusal(language: str, k: int) -> str:
    """Why there is no pack yet, without saying how many shared (only that it is fewer than ``k``)."""
    return texts.say("pack_refused", language, k=check_k(k))


def _check_sharers(sharers: int, reflections: int) -> None:
    if isinstance(sharers, bool) or not isinstance(sharers, int) or sharers < 0:
        raise ValueError(f"sharers: {sharers!r} (expected a whole number of people, 0 or more)")
    if sharers > reflections or (reflections and not sharers):
        raise ValueError(f"sharers: {sharers!r} people cannot have shared {reflections!r} reflections")


def _sections(reflections: Iterable[SharedReflection], rng: random.Random) -> list[str]:
    grouped: defaultdict[str, defaultdict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for reflection in reflections:
        grouped[reflection.dialogue][reflection.question].append(reflection.text.strip())
    html = []
    for dialogue in sorted(grouped, key=_order):
        html += ["<section>", f"<h2>{escape(dialogue)}</h2>"]
        for question in sorted(grouped[dialogue], key=_order):
            html += [f"<h3>{escape(question)}</h3>", *map(_quote, _shuffled(grouped[dialogue][question], rng))]
        html.append("</section>")
    return html


def _order(title: str) -> tuple[str, str]:
    return title.casefold(), title


def _shuffled(items: Iterable[str], rng: random.Random) -> list[str]:
    result = sorted(items)
    rng.shuffle(result)
    return result


def _quote(text: str) -> str:
    return f"<blockquote>{escape(text)}</blockquote>"


def _paragraph(kind: str, text: str) -> str:
    return f'<p class="{kind}">{escape(text)}</p>'


def _page(language: str, title: str, body: Sequence[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{language}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
            f"<title>{escape(title)}</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            "<main>",
            *body,
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
