"""A tranche's weeks as a picture: people active (bars) and the response to follow-ups (a line), as PNG.

Drawn on a matplotlib ``Figure`` of its own with the Agg canvas: no pyplot, no
global backend or style, no display, so it runs on a server, in a test and in
a worker thread alike. A week hidden by the *k* rule is a gap (a grey band with
no bar, a break in the line) and the picture says why; never a zero. The text
of ``summary_lines`` gives the same figures, for screen readers and for people
who do not open pictures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from io import BytesIO
from textwrap import shorten
from typing import Any, Final

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as Drawing
from matplotlib.ticker import MaxNLocator, PercentFormatter

from bot.report import texts
from bot.report.tranche import TrancheSummary, WeekFigures

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


def activity_chart(summary: TrancheSummary, language: str) -> bytes:
    """The summary's weeks since the course day as a PNG of 1000 x 600 pixels, labelled in ``language``."""
    buffer = BytesIO()
    activity_figure(summary, language).savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def activity_figure(summary: TrancheSummary, language: str) -> Drawing:
    """The chart as a matplotlib figure on an Agg canvas (``activity_chart`` renders it)."""
    say = partial(texts.say, language=texts.check_language(language))
    drawing = Drawing(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(drawing)
    drawing.subplots_adjust(left=0.08, right=0.9, top=0.8, bottom=0.2)
    title = say("chart_title", course=summary.course, tranche=summary.tranche)
    drawing.suptitle(shorten(title, TITLE_WIDTH, placeholder="…"), fontsize=16, y=0.97)
    bars = drawing.add_subplot()
    if not summary.weeks:
        bars.set_axis_off()
        bars.text(0.5, 0.5, say("chart_empty"), ha="center", va="center", fontsize=16, transform=bars.transAxes)
        return drawing
    _draw_active(bars, summary.weeks, summary.k, say("chart_active"))
    _draw_response(bars.twinx(), summary.weeks, language, say("chart_response"))
    _label_weeks(bars, [week.week for week in summary.weeks], say("chart_week"))
    drawing.legend(loc="upper center", bbox_to_anchor=(0.5, 0.91), ncols=2, fontsize=13, frameon=False)
    drawing.text(0.5, 0.03, say("chart_note", k=summary.k), ha="center", fontsize=11, wrap=True)
    return drawing


def _draw_active(axes: Axes, weeks: Sequence[WeekFigures], k: int, label: str) -> None:
    shown = [(x, week.active.value) for x, week in enumerate(weeks) if week.active.value is not None]
    xs, heights = [x for x, _ in shown], [height for _, height in shown]
    bars = axes.bar(xs, heights, width=0.7, color=BAR, label=label, gid=ACTIVE_GID)
    if len(weeks) <= LABELLED_WEEKS:
        axes.bar_label(bars, fontsize=11, padding=2)
    top = max([*heights, 2 * k]) * 1.15
    for x, week in enumerate(weeks):
        if week.active.value is None:
            axes.axvspan(x - 0.35, x + 0.35, facecolor=GAP, edgecolor="#b8b8b8", hatch="//", linewidth=0)
            axes.text(x, top * 0.02, f"<{k}", ha="center", va="bottom", fontsize=10, color="#555555")
    axes.set_ylim(0, top)
    axes.set_xlim(-0.6, len(weeks) - 0.4)
    axes.set_ylabel(label, fontsize=13, color=BAR)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(labelsize=12)


def _draw_response(axes: Axes, weeks: Sequence[WeekFigures], language: str, label: str) -> None:
    ys = [math.nan if week.response is None else week.response * 100 for week in weeks]
    axes.plot(range(len(weeks)), ys, color=LINE, marker="o", markersize=7, linewidth=2.5, label=label, gid=RESPONSE_GID)
    for x, week in enumerate(weeks if len(weeks) <= LABELLED_WEEKS else ()):
        if week.response is not None:
            point, text = (x, week.response * 100), texts.percent(week.response, language)
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
