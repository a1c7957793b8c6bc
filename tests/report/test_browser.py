"""The report's page in a real browser: headless Chromium draws it, and no hidden figure shows anywhere.

Debian's ``chromium`` package (``.ci/run`` installs it); without it these
tests skip and say so. Each run gets a fresh profile folder under ``tmp_path``,
its own process group, a time limit, and is checked to have left no browser
process running.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from datetime import date
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from bot.report.public import (
    CourseTally,
    Period,
    PlannedTranche,
    Replies,
    ReportCounts,
    TrancheTally,
    WeekTally,
    publish,
    report_files,
)

K = 5
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT = 90  # seconds per browser run
COURSE, INTRO, CRAFT, TWO_DAYS = "De kunst van het verbinden", "Introductie", "Vakmanschap", "Na twee dagen"
SMALL = "–fewer than 5"
GUARD = "–*suppressed so that a small group cannot be worked out"


def tranche(name: str, day: date, enrolled: int, completed: tuple[int, int], replies: tuple[int, int]) -> TrancheTally:
    """A tranche: enrolled, completed (introduction, craftsmanship), follow-up replies (sent, answered)."""
    intro, craft = completed
    return TrancheTally(name, day, enrolled, {INTRO: intro, CRAFT: craft}, {TWO_DAYS: Replies(*replies)})


TRANCHES = (
    tranche("Utrecht", date(2026, 9, 15), 24, (22, 16), (24, 17)),
    tranche("Den Haag", date(2026, 10, 6), 11, (10, 2), (11, 8)),
    tranche("Zwolle", date(2026, 11, 3), 3, (3, 0), (3, 1)),
)
PLANNED = (
    *(PlannedTranche(t.name, t.course_day) for t in TRANCHES),
    PlannedTranche("Arnhem", date(2026, 9, 29)),
    PlannedTranche("Groningen", date(2027, 1, 12)),
    PlannedTranche("Maastricht", date(2027, 2, 9)),
)
COUNTS = ReportCounts(
    Period(date(2026, 9, 1), date(2026, 11, 15)),
    (CourseTally(COURSE, PLANNED, TRANCHES),),
    {"2026-W38": WeekTally(25, 24, 0, 0), "2026-W41": WeekTally(19, 11, 24, 17), "2026-W45": WeekTally(13, 3, 14, 9)},
)


class Dom(HTMLParser):
    """The rendered page: each table's rows of cell texts by caption, and all text outside the chart."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.text: list[str] = []
        self.tags: set[str] = set()
        self._caption: list[str] | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._skip = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag in ("svg", "style", "title"):
            self._skip += 1
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("svg", "style", "title"):
            self._skip -= 1
        elif tag == "caption" and self._caption is not None:
            self._rows = self.tables.setdefault("".join(self._caption), [])
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        for collecting in (self._caption, self._cell):
            if collecting is not None:
                collecting.append(data)


def chromium() -> str:
    """The browser's path, or a skip that says what is missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium is not installed: Debian's chromium package (apt-get install chromium), as .ci/run does")
    return found


def live_members(group: int) -> list[str]:
    """Processes of a process group that are still running (a zombie has ended: only its parent may reap it)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        state, _, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(pgrp) == group and state != "Z":
            found.append(entry.name)
    return found


def stop_group(group: int) -> None:
    """Give Chromium's helpers (they leave a moment after the browser) 5 s to go, then kill what is left."""
    if not Path("/proc").is_dir():
        return
    deadline = time.monotonic() + 5
    while live_members(group) and time.monotonic() < deadline:
        time.sleep(0.05)
    if live_members(group):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)


def browse(page: Path, tmp_path: Path, *args: str) -> bytes:
    """Run headless Chromium on ``page`` with ``args`` in a fresh profile; its standard output."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
    browser = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = browser.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(browser.pid, signal.SIGKILL)
        browser.communicate()
        pytest.fail(f"Chromium took more than {TIMEOUT} s: {' '.join(args)}")
    finally:
        stop_group(browser.pid)
    assert browser.returncode == 0, err.decode(errors="replace")[-2000:]
    return out


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report's ``index.html``, written to a folder of its own."""
    folder = tmp_path_factory.mktemp("report")
    for name, data in report_files(COUNTS, "en", K).items():
        (folder / name).write_bytes(data)
    return folder / "index.html"


def test_a_phone_sized_screenshot_is_a_real_picture_of_the_page(page: Path, tmp_path: Path) -> None:
    """At 412 pixels wide the page renders: a PNG of that size with text, blue rules and the chart's orange line."""
    shot = tmp_path / "page.png"
    browse(page, tmp_path, "--hide-scrollbars", "--window-size=412,5000", f"--screenshot={shot}")
    picture = Image.open(BytesIO(shot.read_bytes()))
    assert (picture.format, picture.size) == ("PNG", (412, 5000))
    colours = {colour for _, colour in picture.convert("RGB").getcolors(maxcolors=412 * 5000) or []}
    assert (0x2F, 0x6F, 0x9F) in colours and (0xC8, 0x60, 0x1A) in colours
    assert any(sum(colour) < 150 for colour in colours)  # dark text on white


def test_the_rendered_tables_show_the_figures_and_marks(page: Path, tmp_path: Path) -> None:
    """Enrolment against the planned tranches, sessions, follow-up and weeks: numbers where shown, marks where not."""
    dom = Dom(browse(page, tmp_path, "--dump-dom").decode("utf-8"))
    assert dom.tables["Enrolled per group"] == [
        ["Group", "Course day", "Enrolled"],
        ["Utrecht", "15 Sep 2026", "24"],
        ["Arnhem", "29 Sep 2026", "no figures"],
        ["Den Haag", "6 Oct 2026", GUARD],
        ["Zwolle", "3 Nov 2026", SMALL],
        ["Groningen", "12 Jan 2027", "planned"],
        ["Maastricht", "9 Feb 2027", "planned"],
        ["Total", "", "38"],
    ]
    assert dom.tables["Toolkit sessions completed (and as a share of those enrolled)"] == [
        ["Group", INTRO, CRAFT],
        ["Utrecht", "2292%", GUARD],
        ["Den Haag", GUARD, SMALL],
        ["Zwolle", SMALL, SMALL],
        ["Total", "3592%", "1847%"],
    ]
    assert dom.tables[f"Follow-up: {TWO_DAYS}"] == [
        ["Group", "Sent", "Answered", "Response"],
        ["Utrecht", "24", "17", "71%"],
        ["Den Haag", GUARD, GUARD, GUARD],
        ["Zwolle", SMALL, SMALL, SMALL],
        ["Total", "38", "26", "68%"],
    ]
    weeks = dom.tables["The figures per week"]
    assert weeks[0] == ["Week", "Active", "Newly enrolled", "Sent", "Answered", "Response"]
    assert weeks[3] == ["2026-W38", "25", "24", SMALL, SMALL, SMALL]
    assert weeks[6] == ["2026-W41", "19", GUARD, "24", "17", "71%"]
    assert weeks[10] == ["2026-W45", "13", SMALL, "14", "9", "64%"]
    text = " ".join(dom.text)
    assert "4 of the 6 planned groups had their course day on or before 15 Nov 2026." in text
    assert "How these numbers are made" in text and "Enrolled, all courses together: 38" in text


def test_no_hidden_figure_appears_anywhere_in_the_rendered_page(page: Path, tmp_path: Path) -> None:
    """Every number in the page's text is a shown figure, a count of tranches or k: none of the hidden values."""
    dom = Dom(browse(page, tmp_path, "--dump-dom").decode("utf-8"))
    published = publish(COUNTS, K)
    hidden = {published.values[cell] for cell in published.hidden}
    shown = {value for cell, value in published.values.items() if cell not in published.hidden}
    assert hidden == {0, 1, 2, 3, 8, 10, 11, 16} and not hidden & shown
    text = " ".join(dom.text)
    text = re.sub(r"\d{1,2} [A-Z][a-z]{2} \d{4}|\d{4}-W\d{2}|\d+(\.\d+)? ?%|0\.40", " ", text)
    numbers = {int(number) for number in re.findall(r"\d+", text)}
    assert numbers <= shown | {K, 4, 6}
    assert not numbers & hidden
    for table in dom.tables.values():
        for cell in (cell for row in table for cell in row if cell.startswith("–")):
            assert re.sub(r"fewer than 5", "", cell) in ("–", GUARD)


def test_the_page_prints(page: Path, tmp_path: Path) -> None:
    """Printing to PDF works: the print style lays the whole report out on pages."""
    pdf = tmp_path / "report.pdf"
    browse(page, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page\b", data)) >= 2


def test_the_page_loads_nothing_from_elsewhere(page: Path) -> None:
    """No script, link, image, frame or font, no address at all, and a policy that forbids loading anything."""
    dom = Dom(page.read_text("utf-8"))
    assert not dom.tags & {"script", "link", "img", "iframe", "object", "embed", "base"}
    html = page.read_text("utf-8")
    for outside in ("://", "src=", "@import", "url(http", "@font-face"):
        assert outside not in html
    assert "content=\"default-src 'none'; style-src 'unsafe-inline'\"" in html
