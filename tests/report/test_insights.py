"""Trainer insights per dialogue: where people go, answer and stop, with nothing under k shown as a number."""

from __future__ import annotations

import csv
import io
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.dialogue import engine
from bot.dialogue.dot import to_dot
from bot.dialogue.engine import Choose, Event, Skip
from bot.dialogue.loader import load_dialogue
from bot.dialogue.model import Branch, Dialogue, NodeId, OptionId
from bot.dialogue.state import State, Step
from bot.graphviz import render
from bot.report.insights import (
    CSV_HEADER,
    NEUTRAL,
    STALLED_AFTER,
    Conversation,
    Insights,
    NodeInsight,
    annotate,
    colour,
    insights_csv,
    insights_lines,
    measure,
)
from bot.report.threshold import HIDDEN, Figure

SAMPLE = Path(__file__).parents[1] / "dialogue" / "data" / "sample.yaml"
K = 5
NS = [K - 1, K, K + 1]
TODAY = date(2026, 11, 30)
STALE = TODAY - STALLED_AFTER  # a last step this long ago, not finished: stopped
FRESH = STALE + timedelta(days=1)
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")

WAITING: tuple[Event, ...] = ()  # at the choice "pick"
VOICED: tuple[Event, ...] = (Choose(OptionId("voice")), Skip())  # finished
WROTE: tuple[Event, ...] = (Choose(OptionId("write")), Skip())  # at the reflection "own"


def sample(version: int = 3) -> Dialogue:
    """hello (message) -> pick (choice) -> why (reflection) -> route (branch) -> own (reflection) or bye (end)."""
    return replace(load_dialogue(SAMPLE.read_bytes(), "sample.yaml"), version=version)


def without_own(version: int) -> Dialogue:
    """The sample in which the branch always ends, so that the node "own" does not exist."""
    dialogue = sample(version)
    route = Branch(NodeId("route"), (), NodeId("bye"))
    nodes = {node_id: node for node_id, node in dialogue.nodes.items() if node_id != "own"}
    return replace(dialogue, nodes={**nodes, route.id: route})


def people(
    n: int, events: tuple[Event, ...], last: date = FRESH, began: int | None = 3, dialogue: Dialogue | None = None
) -> list[Conversation]:
    """``n`` conversations played through ``events``, last stepped on ``last``, begun ``began`` days before it."""
    dialogue = dialogue or sample()
    state = engine.start(dialogue, "en").state
    for event in events:
        state = engine.step(dialogue, state, event).state
    started = None if began is None else last - timedelta(days=began)
    return [Conversation(state, started, last) for _ in range(n)]


def node(insights: Insights, node_id: str) -> NodeInsight:
    return next(found for found in insights.nodes if found.node == node_id)


def numbers(lines: list[str]) -> set[int]:
    """Every number of people in the lines: not percentages, nor the 14 days of the note."""
    text = re.sub(r"\d+ ?%|\d+ (days|dagen)", "", "\n".join(lines))
    return {int(number) for number in re.findall(r"\d+", text)}


def rows(insights: Insights) -> dict[tuple[str, str], dict[str, str]]:
    """The CSV's rows by (node, measure)."""
    table = csv.DictReader(io.StringIO(insights_csv(insights)))
    return {(row["node"], row["measure"]): row for row in table}


def mixed(n: int) -> list[Conversation]:
    """n stopped at the choice, n at the last reflection lately, n finished after 7 days, 10 more finished."""
    return [
        *people(n, WAITING, STALE),
        *people(n, WROTE),
        *people(n, VOICED, began=7),
        *people(10, VOICED, began=None),
    ]


# --- counting ----------------------------------------------------------------


@pytest.mark.parametrize("n", NS)
def test_started_and_finished_show_from_k_people_on(n: int) -> None:
    """n people who finished: started and finished read n from k on, "fewer than k" below."""
    insights = measure(sample(), people(n, VOICED), today=TODAY, k=K)
    expected = Figure(n) if n >= K else HIDDEN
    assert (insights.started, insights.finished) == (expected, expected)


@pytest.mark.parametrize("n", NS)
def test_reached_and_went_on_show_from_k_people_on(n: int) -> None:
    """n people at the last reflection: every node on their way was reached and passed by n; there, nobody went on."""
    insights = measure(sample(), people(n, WROTE), today=TODAY, k=K)
    expected = Figure(n) if n >= K else HIDDEN
    for passed in ("hello", "pick", "why", "route"):
        assert (node(insights, passed).reached, node(insights, passed).went_on) == (expected, expected)
    assert node(insights, "own").reached == expected and node(insights, "own").went_on == HIDDEN
    assert node(insights, "bye").reached == HIDDEN


@pytest.mark.parametrize("n", NS)
def test_stopped_counts_people_without_a_step_for_14_days(n: int) -> None:
    """n people silent at the choice for 14 days and 10 who were there yesterday: n stopped, from k on."""
    conversations = people(n, WAITING, STALE) + people(10, WAITING, TODAY - timedelta(days=1))
    pick = node(measure(sample(), conversations, today=TODAY, k=K), "pick")
    assert pick.reached == Figure(n + 10)
    assert pick.stopped == (Figure(n) if n >= K else HIDDEN)


def test_thirteen_days_of_silence_is_not_stopping() -> None:
    """A last step 13 days ago is a pause; 14 days is a stop; a finished conversation never stops."""
    insights = measure(sample(), people(K, WAITING, STALE + timedelta(days=1)), today=TODAY, k=K)
    assert node(insights, "pick").stopped == HIDDEN
    insights = measure(sample(), people(K, WAITING, STALE) + people(K, VOICED, STALE), today=TODAY, k=K)
    assert node(insights, "pick").stopped == Figure(K) and node(insights, "bye").stopped == HIDDEN


@pytest.mark.parametrize("n", NS)
def test_drop_off_needs_k_stopped(n: int) -> None:
    """n of 4k people stopped at the choice: the drop-off is n / 4k from k stopped on, else hidden."""
    conversations = people(n, WAITING, STALE) + people(4 * K - n, VOICED)
    drop_off = node(measure(sample(), conversations, today=TODAY, k=K), "pick").drop_off
    assert drop_off == (pytest.approx(n / (4 * K)) if n >= K else None)


@pytest.mark.parametrize("n", NS)
def test_drop_off_needs_k_reached(n: int) -> None:
    """Everyone of n who reached the choice stopped there: 100 % is shown only from k people on."""
    drop_off = node(measure(sample(), people(n, WAITING, STALE), today=TODAY, k=K), "pick").drop_off
    assert drop_off == (1.0 if n >= K else None)


@pytest.mark.parametrize("n", NS)
def test_the_median_needs_k_finished_with_a_start_day(n: int) -> None:
    """n finished in 1..n days and 10 with no start day: the median of the n shows from k of them on."""
    conversations = [c for days in range(1, n + 1) for c in people(1, VOICED, began=days)]
    conversations += people(10, VOICED, began=None)
    insights = measure(sample(), conversations, today=TODAY, k=K)
    assert insights.finished == Figure(n + 10)
    assert insights.median_days == ((n + 1) / 2 if n >= K else None)


def test_days_to_finish_never_go_below_zero() -> None:
    """A last day before the start day (after a change of time zone) counts as 0 days, not as negative."""
    insights = measure(sample(), people(K, VOICED, began=-1), today=TODAY, k=K)
    assert insights.median_days == 0.0


@pytest.mark.parametrize("n", NS)
def test_choices_are_counted_per_option_under_the_k_rule(n: int) -> None:
    """n wrote and n+k voiced doubts: the writers' option gets its number from k on, else it is only named."""
    insights = measure(sample(), people(n, WROTE) + people(n + K, VOICED), today=TODAY, k=K)
    choices = node(insights, "pick").choices
    assert choices is not None and choices.total == Figure(2 * n + K)
    shown = {part.label: part.count for part in choices.shown}
    assert shown == ({"write": n, "voice": n + K} if n >= K else {})
    assert "again" in choices.others


def test_a_person_who_chose_twice_counts_once_with_their_last_choice() -> None:
    """Someone who came back to the choice and chose again is one answer, under the option they chose last."""
    path = (Step(NodeId("pick"), OptionId("write")), Step(NodeId("why"), None), Step(NodeId("pick"), OptionId("voice")))
    visits = {NodeId("hello"): 1, NodeId("pick"): 2, NodeId("why"): 2}
    state = State(sample().id, 3, "en", NodeId("why"), {}, visits, path)
    conversations = [Conversation(state, None, FRESH)] * K
    choices = node(measure(sample(), conversations, today=TODAY, k=K), "pick").choices
    assert choices is not None and choices.total == Figure(K)
    assert [(part.label, part.count) for part in choices.shown] == [("voice", K)]


# --- versions ----------------------------------------------------------------


@pytest.mark.parametrize("n", NS)
def test_across_versions_a_node_counts_only_where_it_exists(n: int) -> None:
    """Version 2 has no "own": its 10 finished people reach "pick" with the n of version 3, but never "own"."""
    older = people(10, VOICED, dialogue=without_own(2))
    insights = measure({2: without_own(2), 3: sample()}, older + people(n, WROTE), today=TODAY, k=K)
    assert insights.version is None and insights.versions == (2, 3)
    assert node(insights, "pick").reached == Figure(n + 10)
    assert node(insights, "own").reached == (Figure(n) if n >= K else HIDDEN)
    assert [found.node for found in insights.nodes] == list(sample().nodes)


def test_one_version_counts_only_its_own_conversations() -> None:
    """With version 2 asked for, the people of version 3 are left out, and so is the node only version 3 has."""
    conversations = people(10, VOICED, dialogue=without_own(2)) + people(K, WROTE)
    insights = measure({2: without_own(2), 3: sample()}, conversations, today=TODAY, k=K, version=2)
    assert (insights.version, insights.versions, insights.started) == (2, (2,), Figure(10))
    assert "own" not in [found.node for found in insights.nodes]


@pytest.mark.parametrize(
    ("given", "version", "message"),
    [
        pytest.param({3: sample()}, None, "conversation of 'sample' v2", id="conversation of a version not given"),
        pytest.param({2: sample()}, None, "dialogues: version 2 holds 'sample' v3", id="mislabelled version"),
        pytest.param({3: sample()}, 4, r"version: 4 \(given: 3\)", id="filter on a version not given"),
    ],
)
def test_versions_that_do_not_fit_are_refused(given: dict[int, Dialogue], version: int | None, message: str) -> None:
    """A conversation or version filter for a version that was not given is a caller's bug, named with its value."""
    conversations = people(1, VOICED, dialogue=without_own(2))
    with pytest.raises(ValueError, match=message):
        measure(given, conversations, today=TODAY, k=K, version=version)


# --- as text -----------------------------------------------------------------


def test_the_english_lines_read_as_a_trainer_expects() -> None:
    """5 stopped at the choice, 5 wait at the last reflection, 5 finished after 7 days, 10 more finished."""
    lines = insights_lines(measure(sample(), mixed(K), today=TODAY, k=K), "en")
    assert lines == [
        "Insights: Sample (sample, all versions)",
        "Started: 25",
        "Finished: 15",
        "Median days to finish: 7",
        "Step by step:",
        "  hello (message): reached 25 · went on 25",
        "  pick (choice): reached 25 · answered 20 · stopped 5 · drop-off 20%",
        "    Write it: 5 (25%)",
        "    Voice doubts: 15 (75%)",
        "    Not shown one by one, to protect small groups: Once more",
        "  why (reflection): reached 20 · answered 20 · stopped fewer than 5",
        "  route (branch): reached 20 · went on 20",
        "  own (reflection): reached 5 · answered fewer than 5 · stopped fewer than 5",
        "  bye (end): reached 15",
        "Stopped: no step for 14 days or more, and not finished. Drop-off: stopped as a share of reached.",
        "Numbers under 5 are not shown, so that no one can be recognised.",
    ]


def test_the_dutch_lines_say_the_same() -> None:
    """In Dutch: "uitval 17 %", "minder dan 5", and a half day with a decimal comma."""
    conversations = mixed(K) + people(K, VOICED, began=8)
    lines = insights_lines(measure(sample(), conversations, today=TODAY, k=K, version=3), "nl")
    assert lines[0] == "Inzichten: Proef (sample, versie 3)"
    assert "Mediaan aantal dagen tot afronden: 7,5" in lines
    assert "  pick (keuze): bereikt 30 · beantwoord 25 · gestopt 5 · uitval 17 %" in lines
    assert "  own (reflectie): bereikt 5 · beantwoord minder dan 5 · gestopt minder dan 5" in lines
    assert lines[-1] == "Aantallen onder de 5 tonen we niet, zodat niemand herkenbaar is."


@pytest.mark.parametrize("n", NS)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_line_holds_a_number_below_k(n: int, language: str) -> None:
    """Whatever the language, the lines give no count under k; the n-sized groups show from k on."""
    shown = numbers(insights_lines(measure(sample(), mixed(n), today=TODAY, k=K), language))
    assert all(number >= K for number in shown)
    assert (n in shown) == (n >= K)


def test_a_median_on_too_few_says_so() -> None:
    """Four finished with a start day: no median, and the line says from how many it is shown."""
    lines = insights_lines(measure(sample(), people(K - 1, VOICED), today=TODAY, k=K), "en")
    assert "Median days to finish: shown once at least 5 people with a known start day have finished" in lines


# --- as a table --------------------------------------------------------------


def test_the_csv_has_one_row_per_figure_with_notes_for_hidden_cells() -> None:
    """Counts are whole numbers, rates and medians carry a decimal point, and a hidden cell is empty with a note."""
    insights = measure(sample(), mixed(K), today=TODAY, k=K)
    assert insights_csv(insights).splitlines()[0] == ",".join(CSV_HEADER)
    table = rows(insights)
    assert len(table) == len(insights_csv(insights).splitlines()) - 1  # one row per figure, none twice
    assert all(row["value"].isdigit() for (_, name), row in table.items() if name == "reached" and row["value"])
    assert table["", "started"] == dict(zip(CSV_HEADER, ["sample", "all", "", "", "started", "25", ""], strict=True))
    assert table["", "median_days_to_finish"]["value"] == "7.0"
    assert table["pick", "drop_off"]["value"] == "0.20"
    assert table["pick", "chose:voice"]["value"] == "15" and table["pick", "share:voice"]["value"] == "0.75"
    assert table["why", "stopped"]["value"] == "" and table["why", "stopped"]["note"] == "fewer than 5"
    assert table["pick", "chose:again"]["value"] == "" and table["pick", "chose:again"]["note"]
    assert table["own", "reached"]["kind"] == "reflection"


@pytest.mark.parametrize("n", NS)
def test_no_csv_cell_holds_a_count_below_k(n: int) -> None:
    """Every count in the table is empty or at least k, and the n-sized groups show from k on."""
    table = rows(measure(sample(), mixed(n), today=TODAY, k=K))
    counts = {int(row["value"]) for row in table.values() if row["value"].isdigit()}
    assert all(count >= K for count in counts)
    assert table["own", "reached"]["value"] == (str(n) if n >= K else "")
    assert all(row["note"] for row in table.values() if row["value"] == "")


def test_a_hidden_median_is_an_empty_cell_with_a_note() -> None:
    """Fewer than k finished with a start day: the median's cell is empty and its note says why."""
    table = rows(measure(sample(), people(K - 1, VOICED), today=TODAY, k=K))
    assert table["", "median_days_to_finish"]["value"] == ""
    assert table["", "median_days_to_finish"]["note"] == "fewer than 5 finished with a known start day"


# --- on the graph ------------------------------------------------------------


def test_each_node_is_annotated_with_reach_and_drop_off() -> None:
    """A node says how many reached it and its drop-off, or "fewer than 5"; its colour follows the drop-off."""
    insights = measure(sample(), mixed(K) + people(K - 1, WROTE), today=TODAY, k=K)
    marks = annotate(insights, "en")
    assert marks["pick"] == ("reached 29 · drop-off 17%", colour(5 / 29))
    assert marks["why"] == ("reached 24 · stopped: fewer than 5", NEUTRAL)
    assert marks["bye"] == ("reached 15", NEUTRAL)
    marks = annotate(measure(sample(), people(K - 1, WROTE), today=TODAY, k=K), "nl")
    assert marks["own"] == ("bereikt: minder dan 5", NEUTRAL)
    assert annotate(insights, "nl")["pick"][0] == "bereikt 29 · uitval 17 %"


def test_a_higher_drop_off_is_a_deeper_colour() -> None:
    """From white through light orange to red: each step up in drop-off is darker; hidden is a plain grey."""
    shades = [colour(share) for share in (0.0, 0.1, 0.25, 0.4, 0.5, 0.9)]
    brightness = [sum(int(shade[i : i + 2], 16) for i in (1, 3, 5)) for shade in shades]
    assert shades[0] == "#ffffff" and shades[-2] == shades[-1]
    assert brightness[:5] == sorted(brightness[:5], reverse=True) and len(set(brightness[:5])) == 5
    assert colour(None) == NEUTRAL not in shades


@needs_dot
@pytest.mark.parametrize("n", NS)
def test_the_annotated_graph_shows_each_nodes_figures(n: int) -> None:
    """Drawn to SVG by Graphviz, each node ends with its annotation, and no hidden count shows as a number."""
    insights = measure(sample(), people(n, WAITING, STALE) + people(n, WROTE), today=TODAY, k=K)
    marks = annotate(insights, "en")
    svg = ET.fromstring(render(to_dot(sample(), "en", marks), "svg"))
    groups = {g.findtext(f"{SVG}title") or "": g for g in svg.iter(f"{SVG}g") if g.get("class") == "node"}
    assert set(groups) == set(marks)
    every: set[int] = set()
    for node_id, group in groups.items():
        lines = [text.text or "" for text in group.iter(f"{SVG}text")]
        assert lines[-1] == marks[node_id][0]
        assert marks[node_id][1] in {shape.get("fill") for shape in group}
        every |= numbers(lines)
    assert numbers([mark for mark, _ in marks.values()]) == ({n, 2 * n, K} if n >= K else {2 * n, K})
    assert (n in every) == (n >= K)
