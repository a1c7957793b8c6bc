"""One chart module for the trainer's digest and the public report: any weekly trend, as PNG or inline SVG."""

from __future__ import annotations

import re

import pytest
from matplotlib.text import Text

from bot.report.chart import ACTIVE_GID, Trend, png, svg, trend_figure

WEEKS = ("2026-W45", "2026-W46", "2026-W47")


def trend(**changes: object) -> Trend:
    """Three weeks: 23 active, a hidden week, 11; a response of 40 %, a gap, 75 %."""
    values: dict[str, object] = {
        "title": "All courses: week by week",
        "weeks": WEEKS,
        "bars": (23, None, 11),
        "line": (0.4, None, 0.75),
        "bar_label": "Active participants",
        "line_label": "Response to follow-ups",
        "week_label": "Week",
        "note": "Grey week: fewer than 5 active.",
        "empty": "No weeks in this period.",
        "k": 5,
    }
    return Trend(**{**values, **changes})  # type: ignore[arg-type]


def test_any_trend_is_drawn_with_its_own_labels() -> None:
    """Bars for shown weeks only, "<5" on the hidden one, the caller's title, axis and note, percentages on the line."""
    drawing = trend_figure(trend(), "en")
    bars = [patch for patch in drawing.axes[0].patches if patch.get_gid() == ACTIVE_GID]
    assert [bar.get_height() for bar in bars] == [23, 11]
    words = {text.get_text() for text in drawing.findobj(Text)}
    assert {"All courses: week by week", "Week", "Grey week: fewer than 5 active.", "<5", "40%", "75%"} <= words


def test_svg_is_an_element_to_place_in_a_page() -> None:
    """No XML prologue or doctype, no date or creator, no namespace address; text drawn as shapes, not fonts."""
    picture = svg(trend_figure(trend(), "en"))
    assert picture.startswith("<svg ") and picture.endswith("</svg>")
    assert "<?xml" not in picture and "<!DOCTYPE" not in picture and "://" not in picture
    assert "<dc:date>" not in picture and "Matplotlib" not in picture
    assert not re.search(r"<text\b", picture) and "@font-face" not in picture
    assert svg(trend_figure(trend(), "en")) == picture  # the same figures give the same bytes


def test_png_is_a_phone_sized_picture() -> None:
    """The same drawing as PNG: 1000 x 600 pixels."""
    data = png(trend_figure(trend(), "nl"))
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[16:24] == (1000).to_bytes(4, "big") + (600).to_bytes(4, "big")


def test_no_weeks_gives_a_plain_message() -> None:
    """An empty period draws the caller's message instead of empty axes."""
    drawing = trend_figure(trend(weeks=(), bars=(), line=()), "en")
    assert "No weeks in this period." in {text.get_text() for text in drawing.findobj(Text)}


def test_weeks_and_figures_must_match() -> None:
    """Three weeks with two bars is a caller's mistake, named with its counts."""
    with pytest.raises(ValueError, match="trend: 3 weeks, 2 bars and 3 points"):
        trend_figure(trend(bars=(1, 2)), "en")
