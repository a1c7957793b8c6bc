"""The weekly chart: a real PNG a phone can show, hidden weeks drawn as gaps, and no display needed."""

from __future__ import annotations

import math
import os
import struct
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from matplotlib.text import Text

from bot.report.chart import ACTIVE_GID, RESPONSE_GID, activity_chart, activity_figure
from bot.report.tranche import TrancheCounts, TrancheSummary, WeekCounts, summarise

K = 5
ROOT = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def summary(history: dict[str, WeekCounts], week: str = "2026-W50") -> TrancheSummary:
    """A tranche whose course day fell in 2026-W45, with this weekly history."""
    counts = TrancheCounts(
        course="De kunst van het verbinden",
        tranche="Utrecht najaar",
        course_day=date(2026, 11, 3),
        week=week,
        enrolled=23,
        active=17,
        followups_sent=23,
        followups_answered=13,
        sessions_completed={},
        choices=(),
        sharers=0,
        reflections_shared=0,
        history=history,
    )
    return summarise(counts, K)


HISTORY = {
    "2026-W45": WeekCounts(23, 23, 17),
    "2026-W46": WeekCounts(4, 3, 3),  # hidden: 4 active, 3 sent
    "2026-W47": WeekCounts(19, 22, 13),
    "2026-W48": WeekCounts(11, 0, 0),
    # 2026-W49: nobody counted
    "2026-W50": WeekCounts(16, 21, 4),  # the response is hidden: 4 answered
}


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a PNG must start with."""
    assert png[:8] == PNG_SIGNATURE and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_the_chart_is_a_png_a_phone_can_show() -> None:
    """The bytes are a PNG of 1000 x 600 pixels, small enough to send as a photo."""
    png = activity_chart(summary(HISTORY), "nl")
    assert png_size(png) == (1000, 600)
    assert png.endswith(b"IEND\xaeB`\x82") and len(png) < 300_000


def test_hidden_weeks_get_no_bar_and_a_break_in_the_line() -> None:
    """Weeks under k have no bar at all (not a bar of 0) and no point on the response line."""
    drawing = activity_figure(summary(HISTORY), "en")
    bars = [patch for patch in drawing.axes[0].patches if patch.get_gid() == ACTIVE_GID]
    assert [(round(bar.get_x() + bar.get_width() / 2), bar.get_height()) for bar in bars] == [
        (0, 23),
        (2, 19),
        (3, 11),
        (5, 16),
    ]
    [line] = [line for line in drawing.axes[1].lines if line.get_gid() == RESPONSE_GID]
    ys = [float(y) for y in line.get_ydata()]
    assert [math.isnan(y) for y in ys] == [False, True, False, True, True, True]
    assert ys[0] == 17 / 23 * 100 and ys[2] == 13 / 22 * 100


def test_no_hidden_count_is_written_on_the_chart() -> None:
    """No label on the picture says 4 or 3 (the hidden counts); the two hidden weeks read "<5" and a note says why."""
    drawing = activity_figure(summary(HISTORY), "nl")
    words = [text.get_text() for text in drawing.findobj(Text) if text.get_text()]
    assert not {"3", "4"} & set(words)
    assert words.count("<5") == 2
    assert any(word.startswith("Grijze week: minder dan 5 actief.") for word in words)
    assert {"23", "19", "11", "16", "74 %", "59 %"} <= set(words)


def test_labels_follow_the_language() -> None:
    """Axis titles and the note are in English for an English reader, and percentages read 74%."""
    drawing = activity_figure(summary(HISTORY), "en")
    words = {text.get_text() for text in drawing.findobj(Text)}
    assert {"Active participants", "Response to follow-ups", "Week (since the course day)", "74%"} <= words
    assert any(word.startswith("Grey week: fewer than 5 active.") for word in words)


def test_a_tranche_whose_course_day_is_still_ahead_gets_a_plain_message() -> None:
    """Before the course day there are no weeks: the picture says so instead of drawing empty axes."""
    drawing = activity_figure(summary({}, week="2026-W44"), "en")
    assert "No weeks since the course day yet." in {text.get_text() for text in drawing.findobj(Text)}
    assert png_size(activity_chart(summary({}, week="2026-W44"), "en")) == (1000, 600)


def test_one_chart_takes_well_under_a_second() -> None:
    """After the import, a chart is drawn in under a second (the best of three, so a busy machine cannot fail it)."""
    tranche = summary(HISTORY)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        activity_chart(tranche, "nl")
        timings.append(time.perf_counter() - start)
    assert min(timings) < 1.0


def test_the_chart_needs_no_display_and_leaves_pyplot_alone() -> None:
    """In a process with no DISPLAY and no MPLBACKEND, a chart is made without pyplot's global state."""
    env = {
        name: value for name, value in os.environ.items() if name not in {"DISPLAY", "MPLBACKEND", "WAYLAND_DISPLAY"}
    }
    script = (
        "import sys\n"
        "from datetime import date\n"
        "from bot.report.chart import activity_chart\n"
        "from bot.report.tranche import TrancheCounts, WeekCounts, summarise\n"
        "counts = TrancheCounts('C', 'T', date(2026, 11, 3), '2026-W46', 9, 9, 9, 6, {}, (), 0, 0,"
        " {'2026-W45': WeekCounts(9, 9, 6)})\n"
        "png = activity_chart(summarise(counts, 5), 'en')\n"
        "print(png[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'matplotlib.pyplot' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "True False\n", "")
