"""Weeks as a picture: people (bars) and a share such as the response to follow-ups (a line), as PNG or SVG.

One module draws every chart of the reports: ``trend_figure`` draws any
``Trend``; ``activity_chart`` is a tranche's weeks for its trainer (the weekly
digest), and the public report draws its weeks across all courses with the
same function (``bot.report.page``). Drawn on a matplotlib ``Figure`` of its
own with the Agg canvas: no pyplot, no global backend or style, no display,
so it runs on a server, in a test and in a worker thread alike. A week hidden
by the *k* rule is a gap (a grey band with no bar, a break in the line) and
the picture says why; never a zero. The text beside each chart gives the same
figures, for screen readers and for people who do not open pictures.

``png`` gives a picture to send; ``svg`` one to put inside an HTML page, its
text drawn as shapes (no font is needed) and without date or creator.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from io import BytesIO
from textwrap import shorten
from typing import Any, Final

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as Drawing
from matplotlib.ticker import MaxNLocator, PercentFormatter

from bot.report import texts
from bot.report.tranche import TrancheSummary

SIZE: Final = (10.0, 6.0)  # inches; at DPI, 1000 x 600 pixels: a phone photo
DPI: Final = 100
BAR: Final = "#2f6f9f"
LINE: Final = "#c8601a"
GAP: Final = "#e4e4e4"
_LABEL: Final[dict[str, Any]] = {
    "color": LINE,
    "bbox": {"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none"},
}
MAX_LABELS: Final = 16  # week labels on the axis, at most
LABELLED_WEEKS: Final = 12  # up to this many weeks, each bar and point also carries its value
TITLE_WIDTH: Final = 80  # characters at 16 pt across 1000 pixels
ACTIVE_GID: Final = "active"  # the bars, so tests can find them
RESPONSE_GID: Final = "response"
_NAMESPACES: Final = re.compile(r' xmlns(?::xlink)?="[^"]*"')
_RANDOM_ID: Final = re.compile(r"\b([hmp][0-9a-f]{10})\b")  # clip paths, hatches, markers: random unless salted


@dataclass(frozen=True, slots=True)
class Trend:
    """What a chart shows: per ISO week, a count of people (None: hidden) and a share (None: a gap in the line).

    ``bars`` and ``line`` have one entry per week; the texts come in the
    reader's language: the title, the two series' names, the week axis, the
    note under the chart (why some weeks are gaps) and what to say when there
    are no weeks at all.
    """

    title: str
    weeks: tuple[str, ...]
    bars: tuple[int | None, ...]
    line: tuple[float | None, ...]
    bar_label: str
    line_label: str
    week_label: str
    note: str
    empty: str
    k: int


def activity_chart(summary: TrancheSummary, language: str) -> bytes:
    """The summary's weeks since the course day as a PNG of 1000 x 600 pixels, labelled in ``language``."""
    return png(activity_figure(summary, language))


def activity_figure(summary: TrancheSummary, language: str) -> Drawing:
    """The chart as a matplotlib figure on an Agg canvas (``activity_chart`` renders it)."""
    return trend_figure(activity_trend(summary, language), language)


def activity_trend(summary: TrancheSummary, language: str) -> Trend:
    """A tranche's weeks for its trainer: people active, and the response to that week's follow-ups."""
    say = partial(texts.say, language=texts.check_language(language))
    return Trend(
        title=say("chart_title", course=summary.course, tranche=summary.tranche),
        weeks=tuple(week.week for week in summary.weeks),
        bars=tuple(week.active.value for week in summary.weeks),
        line=tuple(week.response for week in summary.weeks),
        bar_label=say("chart_active"),
        line_label=say("chart_response"),
        week_label=say("chart_week"),
        note=say("chart_note", k=summary.k),
        empty=say("chart_empty"),
        k=summary.k,
    )


def png(drawing: Drawing) -> bytes:
    """The drawing as PNG bytes, at ``DPI`` (1000 x 600 pixels at ``SIZE``), without metadata that varies."""
    buffer = BytesIO()
    drawing.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def svg(drawing: Drawing) -> str:
    """The drawing as an ``<svg>`` element to place inside HTML: no XML prologue, date, creator or namespace URL.

    HTML gives an inline ``<svg>`` and its ``xlink:href`` their namespaces by
    itself, so the page names no address at all. The ids matplotlib makes up
    at random are numbered instead, so the same figures give the same bytes
    (without setting its global ``svg.hashsalt``).
    """
    buffer = BytesIO()
    drawing.savefig(
        buffer, format="svg", dpi=DPI, metadata={"Date": None, "Creator": None, "Format": None, "Type": None}
    )
    text = buffer.getvalue().decode("utf-8")
    element = _NAMESPACES.sub("", text[text.index("<svg") :].strip(), count=2)
    names: dict[str, str] = {}
    return _RANDOM_ID.sub(lambda found: names.setdefault(found[1], f"{found[1][0]}{len(names)}"), element)


def trend_figure(trend: Trend, language: str) -> Drawing:
    """``trend`` as a matplotlib figure on an Agg canvas of ``SIZE`` inches, labelled in ``language``."""
    if not len(trend.weeks) == len(trend.bars) == len(trend.line):
        raise ValueError(f"trend: {len(trend.weeks)} weeks, {len(trend.bars)} bars and {len(trend.line)} points")
    drawing = Drawing(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(drawing)
    drawing.subplots_adjust(left=0.08, right=0.9, top=0.8, bottom=0.2)
    drawing.suptitle(shorten(trend.title, TITLE_WIDTH, placeholder="…"), fontsize=16, y=0.97)
    bars = drawing.add_subplot()
    if not trend.weeks:
        bars.set_axis_off()
        bars.text(0.5, 0.5, trend.empty, ha="center", va="center", fontsize=16, transform=bars.transAxes)
        return drawing
    _draw_active(bars, trend.bars, trend.k, trend.bar_label)
    _draw_response(bars.twinx(), trend.line, texts.check_language(language), trend.line_label)
    _label_weeks(bars, trend.weeks, trend.week_label)
    drawing.legend(loc="upper center", bbox_to_anchor=(0.5, 0.91), ncols=2, fontsize=13, frameon=False)
    drawing.text(0.5, 0.03, trend.note, ha="center", fontsize=11, wrap=True)
    return drawing


def _draw_active(axes: Axes, weeks: Sequence[int | None], k: int, label: str) -> None:
    shown = [(x, value) for x, value in enumerate(weeks) if value is not None]
    xs, heights = [x for x, _ in shown], [height for _, height in shown]
    bars = axes.bar(xs, heights, width=0.7, color=BAR, label=label, gid=ACTIVE_GID)
    if len(weeks) <= LABELLED_WEEKS:
        axes.bar_label(bars, fontsize=11, padding=2)
    top = max([*heights, 2 * k]) * 1.15
    for x, value in enumerate(weeks):
        if value is None:
            axes.axvspan(x - 0.35, x + 0.35, facecolor=GAP, edgecolor="#b8b8b8", hatch="//", linewidth=0)
            axes.text(x, top * 0.02, f"<{k}", ha="center", va="bottom", fontsize=10, color="#555555")
    axes.set_ylim(0, top)
    axes.set_xlim(-0.6, len(weeks) - 0.4)
    axes.set_ylabel(label, fontsize=13, color=BAR)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(labelsize=12)


def _draw_response(axes: Axes, shares: Sequence[float | None], language: str, label: str) -> None:
    ys = [math.nan if share is None else share * 100 for share in shares]
    axes.plot(range(len(ys)), ys, color=LINE, marker="o", markersize=7, linewidth=2.5, label=label, gid=RESPONSE_GID)
    for x, share in enumerate(shares if len(shares) <= LABELLED_WEEKS else ()):
        if share is not None:
            point, text = (x, share * 100), texts.percent(share, language)
            axes.annotate(text, point, (0, 9), textcoords="offset points", ha="center", fontsize=11, **_LABEL)
    axes.set_ylim(0, 110)
    axes.yaxis.set_major_formatter(PercentFormatter(100, decimals=0, symbol=" %" if language == "nl" else "%"))
    axes.set_yticks(range(0, 101, 20))
    axes.set_ylabel(label, fontsize=13, color=LINE)
    axes.tick_params(labelsize=12)


def _label_weeks(axes: Axes, weeks: Sequence[str], title: str) -> None:
    step = math.ceil(len(weeks) / MAX_LABELS)
    ticks = list(range(0, len(weeks), step))
    new_year = [x == 0 or weeks[x][:4] != weeks[x - step][:4] for x in ticks]
    labels = [
        f"{weeks[x][5:]}\n{weeks[x][:4]}" if year else weeks[x][5:] for x, year in zip(ticks, new_year, strict=True)
    ]
    axes.set_xticks(ticks, labels)
    axes.set_xlabel(title, fontsize=13)
