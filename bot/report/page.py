"""``index.html``: the public report as one page that works offline, on a phone and on paper.

One UTF-8 file: its style inline, its chart inline as SVG (its text drawn as
shapes, so no font is needed), no script, nothing loaded from elsewhere, and a
Content-Security-Policy that tells the browser so. Every title goes through
``html.escape``. Per course: its tranches against the planned ones, enrolment
per tranche, each toolkit session's completion and each follow-up's replies;
then the trend per week (the chart from ``bot.report.chart`` and the same
figures as a table, for screen readers), and how the numbers are made. A
left-out figure shows as "–" (fewer than *k*) or "–*" (left out to guard a
smaller one), with the reason in words for screen readers and a legend under
its table; never as a number. Wide tables scroll sideways on a phone and print
in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache, partial
from html import escape
from typing import Final

from bot.report import chart, texts
from bot.report.sheet import MARKS, note
from bot.report.suppress import Hidden
from bot.report.table import (
    ACTIVE,
    ANSWERED,
    COMPLETED,
    COMPLETION,
    ENROLLED,
    NEW,
    RESPONSE,
    SENT,
    Cell,
    CourseTally,
    Published,
    followups_of,
    held,
    rate_parts,
    report_weeks,
    sessions_of,
)

_STYLE: Final = """
body{margin:0;padding:1rem;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1a1a1a;background:#fff}
main{max-width:50rem;margin:0 auto}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .5rem}
h2{font-size:1.3rem;margin:2.25rem 0 .5rem;padding-bottom:.25rem;border-bottom:2px solid #2f6f9f}
.meta{color:#4a4a4a;margin:.25rem 0}
.lead{font-size:1.15rem;font-weight:600}
.scroll{overflow-x:auto;margin:.75rem 0 .25rem}
table{border-collapse:collapse;min-width:100%;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{padding:.35rem .6rem;border-bottom:1px solid #d8dde3;text-align:right;vertical-align:top}
th[scope=row],thead th:first-child{text-align:left}
th[scope=row]{font-weight:400}
th.week{white-space:nowrap}
thead th{border-bottom:2px solid #2f6f9f;vertical-align:bottom}
tr.total th,tr.total td{font-weight:600;border-top:2px solid #2f6f9f}
.rate{display:block;font-size:.85em;color:#4a4a4a}
.gap{color:#666}
.legend{font-size:.9rem;color:#4a4a4a;margin:.25rem 0 1rem}
figure{margin:1rem 0}
figure svg{display:block;width:100%;height:auto}
figcaption{font-size:.9rem;color:#4a4a4a}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
@media print{body{font-size:10.5pt;padding:0}main{max-width:none}.scroll{overflow:visible}
h2,caption{break-after:avoid}tr,figure{break-inside:avoid}}
""".strip()
_POLICY: Final = "default-src 'none'; style-src 'unsafe-inline'"


def report_page(published: Published, language: str) -> bytes:
    """The report as a self-contained HTML page in ``language`` ("nl" or "en"), UTF-8 bytes."""
    say = partial(texts.say, language=texts.check_language(language))
    period = published.counts.period
    start, end = texts.day(period.start, language), texts.day(period.end, language)
    everyone, gaps = _figure(published, Cell(measure=ENROLLED), language)
    head = [
        f"<h1>{escape(say('report_title'))}</h1>",
        _paragraph("meta", say("report_period", start=start, end=end)),
        _paragraph("", say("report_intro")),
        f'<p class="lead">{escape(say("report_everyone"))} {everyone}</p>',
        *_legend(gaps, language, published.k),
    ]
    courses = [html for course in published.counts.courses for html in _course(published, course, language)]
    body = [*head, *courses, *_trend(published, language), *_how(language, published.k)]
    return _page(language, say("report_title"), body).encode("utf-8")


def _course(published: Published, course: CourseTally, language: str) -> list[str]:
    say = partial(texts.say, language=language)
    day = texts.day(published.counts.period.end, language)
    planned = len(course.planned)
    html = [
        "<section>",
        f"<h2>{escape(course.title)}</h2>",
        _paragraph("", say("report_held", held=held(course, published.counts.period), planned=planned, day=day)),
        *_enrolment(published, course, language),
    ]
    if course.tranches and sessions_of(course):
        html += _sessions(published, course, language)
    for title in followups_of(course) if course.tranches else ():
        html += _followup(published, course, title, language)
    return [*html, "</section>"]


def _enrolment(published: Published, course: CourseTally, language: str) -> list[str]:
    say, gaps = partial(texts.say, language=language), set[Hidden]()
    reported = {tranche.name for tranche in course.tranches}
    rows = []
    for planned in sorted(course.planned, key=lambda p: (p.course_day, p.name)):
        day = texts.day(planned.course_day, language)
        if planned.name in reported:
            figure = _td(published, Cell(course.title, planned.name, measure=ENROLLED), language, gaps)
        else:
            status = "row_planned" if planned.course_day > published.counts.period.end else "row_unreported"
            figure = f'<td class="gap">{escape(say(status))}</td>'
        rows.append(_row(planned.name, [f"<td>{escape(day)}</td>", figure]))
    if course.tranches:
        total = _td(published, Cell(course.title, measure=ENROLLED), language, gaps)
        rows.append(_row(say("row_total"), ["<td></td>", total], total=True))
    head = [say("col_tranche"), say("col_day"), say("col_enrolled")]
    return _table(say("report_enrolment"), head, rows, gaps, language=language, k=published.k)


def _sessions(published: Published, course: CourseTally, language: str) -> list[str]:
    say, gaps = partial(texts.say, language=language), set[Hidden]()
    rows, sessions = [], sessions_of(course)
    for name, label, total in _rows(course, say("row_total")):
        cells = [Cell(course.title, name, session, measure=COMPLETED) for session in sessions]
        rows.append(_row(label, [_td_with_rate(published, cell, COMPLETION, language, gaps) for cell in cells], total))
    head = [say("col_tranche"), *sessions]
    return _table(say("report_sessions"), head, rows, gaps, language=language, k=published.k)


def _followup(published: Published, course: CourseTally, title: str, language: str) -> list[str]:
    say, gaps = partial(texts.say, language=language), set[Hidden]()
    rows = []
    for name, label, total in _rows(course, say("row_total")):
        cell = partial(Cell, course.title, name, title)
        figures = [_td(published, cell(measure=measure), language, gaps) for measure in (SENT, ANSWERED)]
        rows.append(_row(label, [*figures, _td_rate(published, cell(measure=RESPONSE), language, gaps)], total))
    head = [say("col_tranche"), say("col_sent"), say("col_answered"), say("col_response")]
    return _table(say("report_followup", title=title), head, rows, gaps, language=language, k=published.k)


def _rows(course: CourseTally, total: str) -> list[tuple[str, str, bool]]:
    """(tranche cell name, row label, is the total) for each tranche with figures, then the course total."""
    return [*((t.name, t.name, False) for t in course.tranches), ("", total, True)]


def _trend(published: Published, language: str) -> list[str]:
    say, gaps, k = partial(texts.say, language=language), set[Hidden](), published.k
    weeks = report_weeks(published.counts)
    rows = []
    for week in weeks:
        counts = [_td(published, Cell(week=week, measure=m), language, gaps) for m in (ACTIVE, NEW, SENT, ANSWERED)]
        response = _td_rate(published, Cell(week=week, measure=RESPONSE), language, gaps)
        rows.append(_row(week, [*counts, response], kind="week"))
    head = [say("col_week"), say("col_active"), say("col_new"), say("col_sent"), say("col_answered")]
    table = _table(say("report_trend_table"), [*head, say("col_response")], rows, gaps, language=language, k=k)
    return [
        "<section>",
        f"<h2>{escape(say('report_trend'))}</h2>",
        _chart(published, weeks, language),
        *table,
        "</section>",
    ]


def _chart(published: Published, weeks: Sequence[str], language: str) -> str:
    say = partial(texts.say, language=language)
    shares = (published.rate(*rate_parts(Cell(week=week, measure=RESPONSE))) for week in weeks)
    trend = chart.Trend(
        title=say("report_chart_title"),
        weeks=tuple(weeks),
        bars=tuple(published.count(Cell(week=week, measure=ACTIVE)) for week in weeks),
        line=tuple(shares),
        bar_label=say("chart_active"),
        line_label=say("chart_response"),
        week_label=say("col_week"),
        note=say("report_chart_note", k=published.k),
        empty=say("report_chart_empty"),
        k=published.k,
    )
    picture = chart.svg(chart.trend_figure(trend, language))
    alt = escape(say("report_chart_alt"), quote=True)
    return f'<figure><div role="img" aria-label="{alt}">{picture}</div></figure>'


def _how(language: str, k: int) -> list[str]:
    say = partial(texts.say, language=language)
    keys = ("how_attended", "how_completed", "how_followups", "how_active", "how_k", "how_guard", "how_rates")
    return [
        "<section>",
        f"<h2>{escape(say('report_how'))}</h2>",
        *(_paragraph("", say(key, k=k)) for key in (*keys, "how_csv")),
        "</section>",
    ]


def _figure(published: Published, cell: Cell, language: str) -> tuple[str, set[Hidden]]:
    """A count as inline HTML, and the gaps it shows (none or one)."""
    value, gap = published.count(cell), published.gap(cell)
    if gap is None:
        return str(value), set()
    return _gap(gap, language, published.k), {gap}


def _td(published: Published, cell: Cell, language: str, gaps: set[Hidden]) -> str:
    html, shown = _figure(published, cell, language)
    gaps |= shown
    return f'<td class="gap">{html}</td>' if shown else f"<td>{html}</td>"


def _td_rate(published: Published, cell: Cell, language: str, gaps: set[Hidden]) -> str:
    hidden = published.rate_gap(*rate_parts(cell)) is not None
    html = _rate(published, cell, language, gaps)
    return f'<td class="gap">{html}</td>' if hidden else f"<td>{html}</td>"


def _td_with_rate(published: Published, cell: Cell, measure: str, language: str, gaps: set[Hidden]) -> str:
    """A count with its rate below it (completed, and the share of those enrolled)."""
    html, shown = _figure(published, cell, language)
    gaps |= shown
    if shown:
        return f'<td class="gap">{html}</td>'
    rate = _rate(published, Cell(cell.course, cell.tranche, cell.dialogue, cell.week, measure), language, gaps)
    return f'<td>{html}<span class="rate">{rate}</span></td>'


def _rate(published: Published, cell: Cell, language: str, gaps: set[Hidden]) -> str:
    part, whole = rate_parts(cell)
    share, gap = published.rate(part, whole), published.rate_gap(part, whole)
    if gap is not None:
        gaps.add(gap)
        return _gap(gap, language, published.k)
    return escape(texts.percent(share, language))


@lru_cache(maxsize=64)
def _gap(gap: Hidden, language: str, k: int) -> str:
    why = escape(note(gap, language, k))
    return f'<span aria-hidden="true" title="{why}">{MARKS[gap]}</span><span class="sr">{why}</span>'


def _legend(gaps: Iterable[Hidden], language: str, k: int) -> list[str]:
    keys = {Hidden.SMALL: "legend_small", Hidden.GUARD: "legend_guard"}
    lines = [texts.say(keys[gap], language, k=k) for gap in Hidden if gap in set(gaps)]
    return [_paragraph("legend", " · ".join(lines))] if lines else []


def _table(
    caption: str, head: Sequence[str], rows: Sequence[str], gaps: set[Hidden], *, language: str, k: int
) -> list[str]:
    columns = "".join(f'<th scope="col">{escape(title)}</th>' for title in head)
    return [
        '<div class="scroll"><table>',
        f"<caption>{escape(caption)}</caption>",
        f"<thead><tr>{columns}</tr></thead>",
        "<tbody>",
        *rows,
        "</tbody></table></div>",
        *_legend(gaps, language, k),
    ]


def _row(label: str, cells: Sequence[str], total: bool = False, kind: str = "") -> str:
    row = ' class="total"' if total else ""
    head = f' class="{kind}"' if kind else ""
    return f'<tr{row}><th scope="row"{head}>{escape(label)}</th>{"".join(cells)}</tr>'


def _paragraph(kind: str, text: str) -> str:
    return f'<p class="{kind}">{escape(text)}</p>' if kind else f"<p>{escape(text)}</p>"


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
