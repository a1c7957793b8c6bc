"""The report's page: self-contained, escaped, in the reader's language, with a mark and a reason for each gap."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

from bot.report.page import report_page
from bot.report.public import (
    CourseTally,
    Period,
    PlannedTranche,
    Replies,
    ReportCounts,
    TrancheTally,
    publish,
    report_files,
)

K = 5
PERIOD = Period(date(2026, 9, 1), date(2026, 10, 4))
TRANCHES = (
    TrancheTally("Utrecht", date(2026, 9, 15), 21, {"Introductie": 18}, {"Na twee dagen": Replies(21, 14)}),
    TrancheTally("Zwolle", date(2026, 9, 29), 9, {"Introductie": 3}, {"Na twee dagen": Replies(9, 7)}),
)
PLANNED = tuple(PlannedTranche(t.name, t.course_day) for t in TRANCHES)
COUNTS = ReportCounts(PERIOD, (CourseTally("De kunst van het verbinden", PLANNED, TRANCHES),), {})
ALLOWED_TAGS = {
    *("html", "head", "meta", "title", "style", "body", "main", "section", "h1", "h2", "p", "span", "div"),
    *("table", "caption", "thead", "tbody", "tr", "th", "td", "figure"),
}


class Tags(HTMLParser):
    """The HTML elements of a page outside its inline chart, and its headings' texts."""

    def __init__(self, html: bytes) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.headings: list[str] = []
        self._in_svg = 0
        self._heading = False
        self.feed(html.decode("utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_svg += tag == "svg"
        if not self._in_svg:
            self.tags.add(tag)
        self._heading = tag in ("h1", "h2", "caption")
        if self._heading:
            self.headings.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_svg -= tag == "svg"
        self._heading = False

    def handle_data(self, data: str) -> None:
        if self._heading:
            self.headings[-1] += data


def test_titles_with_markup_are_shown_as_text() -> None:
    """A course, tranche or session title with tags or ampersands makes no element and reads as typed."""
    odd = TrancheTally(
        "<b>Groep</b> & co", date(2026, 9, 15), 8, {"<i>Intro</i>": 6}, {"<script>x</script>": Replies(8, 6)}
    )
    course = CourseTally('Cursus "<img src=x>"', (PlannedTranche(odd.name, odd.course_day),), (odd,))
    html = report_page(publish(ReportCounts(PERIOD, (course,), {}), K), "en")
    page = Tags(html)
    assert page.tags <= ALLOWED_TAGS
    assert 'Cursus "<img src=x>"' in page.headings and "Follow-up: <script>x</script>" in page.headings
    assert b"<b>Groep</b>" not in html and b"&lt;b&gt;Groep&lt;/b&gt; &amp; co" in html


def test_the_page_speaks_dutch_for_a_dutch_reader() -> None:
    """Headings, column names, dates, percentages and the reasons for gaps in Dutch."""
    html = report_page(publish(COUNTS, K), "nl").decode("utf-8")
    assert '<html lang="nl">' in html
    assert "Hoe deze cijfers tot stand komen" in Tags(html.encode()).headings
    assert "Periode: 1 sep 2026 tot en met 4 okt 2026" in html
    assert "67 %" in html  # 14 of 21 answered
    assert "minder dan 5" in html and "weggelaten zodat een kleine groep niet te herleiden is" in html


def test_a_gap_reads_as_a_mark_with_its_reason_never_a_number() -> None:
    """Zwolle's 3 completed is "–" with "fewer than 5" for screen readers; the guard beside it "–*"."""
    html = report_page(publish(COUNTS, K), "en").decode("utf-8")
    gaps = re.findall(r'<td class="gap">(.*?)</td>', html)
    assert gaps and all(
        re.fullmatch(r'<span aria-hidden="true" title="([^"]+)">–\*?</span><span class="sr">\1</span>', g) for g in gaps
    )
    assert "–: fewer than 5 people" in html and "–*: left out so that a smaller group" in html


def test_a_table_without_gaps_has_no_legend() -> None:
    """A legend under a table explains the marks it uses, and only those."""
    clear = TrancheTally("Groot", date(2026, 9, 15), 30, {"Introductie": 25}, {})
    counts = ReportCounts(PERIOD, (CourseTally("C", (PlannedTranche("Groot", clear.course_day),), (clear,)),), {})
    html = report_page(publish(counts, K), "en").decode("utf-8")
    section = html[html.index("<section>") : html.index("</section>")]
    assert "legend" not in section


def test_a_course_with_only_planned_tranches_lists_them_without_figures() -> None:
    """No tranche held yet: the planned ones with their course days, no total and no empty tables."""
    later = PlannedTranche("Voorjaar", date(2027, 3, 2))
    counts = ReportCounts(PERIOD, (CourseTally("Nieuw", (later,), ()),), {})
    files = report_files(counts, "en", K)
    html = files["index.html"].decode("utf-8")
    assert "0 of the 1 planned groups had their course day on or before 4 Oct 2026." in html
    assert '<th scope="row">Voorjaar</th><td>2 Mar 2027</td><td class="gap">planned</td>' in html
    assert files["report.csv"].decode().splitlines()[1:3] == [
        "Nieuw,,,,tranches_planned,1,",
        "Nieuw,,,,tranches_held,0,",
    ]


def test_the_page_is_readable_on_a_phone_and_printable() -> None:
    """A viewport, wide tables that scroll on their own, a chart that fits the screen, and a print style."""
    html = report_page(publish(COUNTS, K), "en").decode("utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert ".scroll{overflow-x:auto" in html and "figure svg{display:block;width:100%;height:auto}" in html
    assert "@media print{" in html and "break-inside:avoid" in html
    assert html.count("<svg") == 1 and 'role="img" aria-label="Chart of active participants' in html
