"""Trainer insights for one dialogue: where people go, answer and stop, after the *k* rule.

Counted from what the store already keeps: each person's conversation state
(one per person and dialogue) with the day it started and the day of its last
step, days and never times. Across every version given by default, nodes
matched by id; a node counts only in the versions that have it.

What each count means, per node (each conversation at most once):

- **reached**: the node is in the conversation's ``visits``.
- **went on**: for a question (choice or reflection), reached and answered or
  skipped (its id is in the ``path``); for a message, branch or end, reached and
  the conversation is elsewhere now or finished.
- **stopped**: reached, the conversation stands at this node, is not finished,
  and its last step is ``STALLED_AFTER`` or longer before today.
- **drop-off**: stopped as a share of reached (``threshold.rate``).
- **choices** (choice nodes): each person's latest option there (``threshold.breakdown``).

The dialogue's own figures: started (conversations), finished, and the median
number of days from the start day to the last step of those finished with a
known start day (a last day before the start, after a time-zone change, counts
as 0 days), shown from *k* such conversations on.

``measure`` counts and applies the *k* rule; ``insights_lines`` says the result
in Dutch or English, ``insights_csv`` writes it as a table, and ``annotate``
puts it on the existing drawing: ``to_dot(dialogue, language, annotate(...))``.
Separate figures are not suppressed against each other (a trainer could work
out a hidden "reached" from its neighbours), as ``threshold`` explains for the
trainer's summary: these figures go to trainers.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from itertools import pairwise
from typing import Final

from bot.dialogue.model import Choice, Dialogue, DialogueId, Node, NodeId, OptionId, Reflection, Text
from bot.dialogue.state import State
from bot.report import texts
from bot.report.threshold import Breakdown, Figure, breakdown, check_k, figure, rate
from bot.store.protocol import ConversationRow

STALLED_AFTER: Final = timedelta(days=14)  # no step for this long, and not finished: stopped
CSV_HEADER: Final = ("dialogue", "version", "node", "kind", "measure", "value", "note")
NEUTRAL: Final = "#dddddd"  # a node whose drop-off is hidden
SCALE: Final = ((0.0, (0xFF, 0xFF, 0xFF)), (0.25, (0xFD, 0xBB, 0x84)), (0.5, (0xE3, 0x4A, 0x33)))  # drop-off -> fill
DOT: Final = " · "


Conversation = ConversationRow  # one conversation: state, the day it began (None if unknown), its last day


@dataclass(frozen=True, slots=True)
class NodeInsight:
    """One node's figures; ``choices`` (option id -> people) and ``labels`` only for a choice."""

    node: NodeId
    kind: str  # "message", "choice", "reflection", "branch" or "end"
    reached: Figure
    went_on: Figure
    stopped: Figure
    drop_off: float | None
    choices: Breakdown | None = None
    labels: Mapping[str, Text] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Insights:
    """A dialogue's figures after the *k* rule; ``version`` None means every version in ``versions``."""

    dialogue: DialogueId
    title: Text
    version: int | None
    versions: tuple[int, ...]
    k: int
    started: Figure
    finished: Figure
    median_days: float | None
    nodes: tuple[NodeInsight, ...]


@dataclass(slots=True)
class _Tally:
    """One node's counts so far."""

    reached: int = 0
    went_on: int = 0
    stopped: int = 0
    choices: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class _Totals:
    """The dialogue's counts so far: conversations started and finished, days to finish, and each node's tally."""

    nodes: dict[NodeId, _Tally]
    started: int = 0
    finished: int = 0
    days: list[int] = field(default_factory=list)

    def add(self, conversation: Conversation, dialogue: Dialogue, today: date) -> None:
        state = conversation.state
        self.started, self.finished = self.started + 1, self.finished + state.done
        if state.done and conversation.started is not None:
            self.days.append(max(0, (conversation.last - conversation.started).days))
        stalled = not state.done and today - conversation.last >= STALLED_AFTER
        chosen = {step.node: step.option for step in state.path}  # the latest answer at each question
        for node_id, times in state.visits.items():
            node = dialogue.nodes.get(node_id)
            if node is not None and times > 0:
                _count(self.nodes[node_id], node, state, stalled, chosen)


def measure(
    dialogues: Dialogue | Mapping[int, Dialogue],
    conversations: Iterable[Conversation],
    *,
    today: date,
    k: int,
    version: int | None = None,
) -> Insights:
    """The insights of these conversations with ``dialogues`` (one, or version -> dialogue), or one ``version``.

    Every conversation must be of a given version (with ``version``, the others
    are left out); one of another dialogue or version is a caller's bug.
    """
    check_k(k)
    versions = _versions(dialogues, version)
    nodes = _nodes(versions)
    totals = _Totals({node_id: _Tally() for node_id in nodes})
    for conversation in conversations:
        if version is None or conversation.state.version == version:
            totals.add(conversation, _dialogue_of(conversation.state, versions), today)
    newest = versions[max(versions)]
    return Insights(
        dialogue=newest.id,
        title=newest.title,
        version=version,
        versions=tuple(sorted(versions)),
        k=k,
        started=figure(totals.started, k),
        finished=figure(totals.finished, k),
        median_days=float(statistics.median(totals.days)) if len(totals.days) >= k else None,
        nodes=tuple(_insight(node, totals.nodes[node_id], versions, k) for node_id, node in nodes.items()),
    )


def _versions(dialogues: Dialogue | Mapping[int, Dialogue], version: int | None) -> dict[int, Dialogue]:
    given = {dialogues.version: dialogues} if isinstance(dialogues, Dialogue) else dict(dialogues)
    if not given:
        raise ValueError("dialogues: none given (expected at least one version)")
    first = next(iter(given.values())).id
    for number, dialogue in given.items():
        if number != dialogue.version or dialogue.id != first:
            raise ValueError(f"dialogues: version {number!r} holds {dialogue.id!r} v{dialogue.version}")
    if version is None:
        return given
    if version not in given:
        raise ValueError(f"version: {version!r} (given: {', '.join(map(str, sorted(given)))})")
    return {version: given[version]}


def _dialogue_of(state: State, versions: Mapping[int, Dialogue]) -> Dialogue:
    dialogue = versions.get(state.version)
    if dialogue is None or dialogue.id != state.dialogue:
        raise ValueError(f"conversation of {state.dialogue!r} v{state.version}: no such dialogue version was given")
    return dialogue


def _nodes(versions: Mapping[int, Dialogue]) -> dict[NodeId, Node]:
    """Every node id of these versions, newest version's file order first; each as its newest version has it."""
    nodes: dict[NodeId, Node] = {}
    for number in sorted(versions, reverse=True):
        nodes.update((node_id, node) for node_id, node in versions[number].nodes.items() if node_id not in nodes)
    return nodes


def _count(tally: _Tally, node: Node, state: State, stalled: bool, chosen: Mapping[NodeId, OptionId | None]) -> None:
    """Add one conversation that reached ``node`` to its tally."""
    here = state.node == node.id
    tally.reached += 1
    if isinstance(node, Choice | Reflection):
        tally.went_on += node.id in chosen
    else:
        tally.went_on += not here or state.done
    tally.stopped += here and stalled
    option = chosen.get(node.id)
    if isinstance(node, Choice) and option is not None:
        tally.choices[option] += 1


def _insight(node: Node, tally: _Tally, versions: Mapping[int, Dialogue], k: int) -> NodeInsight:
    insight = NodeInsight(
        node=node.id,
        kind=type(node).__name__.lower(),
        reached=figure(tally.reached, k),
        went_on=figure(tally.went_on, k),
        stopped=figure(tally.stopped, k),
        drop_off=rate(tally.stopped, tally.reached, k),
    )
    if not isinstance(node, Choice):
        return insight
    labels = _labels(node.id, versions)
    return replace(insight, choices=breakdown({option: tally.choices[option] for option in labels}, k), labels=labels)


def _labels(node_id: NodeId, versions: Mapping[int, Dialogue]) -> dict[str, Text]:
    """Option id -> label of every option the choice has in any version, newest first."""
    labels: dict[str, Text] = {}
    for number in sorted(versions, reverse=True):
        node = versions[number].nodes.get(node_id)
        if isinstance(node, Choice):
            labels.update((option.id, option.label) for option in node.options if option.id not in labels)
    return labels


# --- as text -----------------------------------------------------------------


def insights_lines(insights: Insights, language: str) -> list[str]:
    """The insights as short plain-text lines in ``language`` ("nl" or "en"), for a chat message."""
    say, k = partial(texts.say, language=texts.check_language(language)), insights.k
    versions = (
        say("insights_all_versions") if insights.version is None else say("insights_version", version=insights.version)
    )
    lines = [
        say("insights_title", title=insights.title.get(language), dialogue=insights.dialogue, versions=versions),
        say("insights_started", value=texts.count(insights.started, language, k)),
        say("insights_finished", value=texts.count(insights.finished, language, k)),
        _median_line(insights.median_days, language, k),
        say("insights_steps"),
    ]
    for node in insights.nodes:
        lines += _node_lines(node, language, k)
    return [*lines, say("insights_note", days=STALLED_AFTER.days), say("k_note", k=k)]


def _median_line(days: float | None, language: str, k: int) -> str:
    if days is None:
        return texts.say("insights_median_hidden", language, k=k)
    return texts.say("insights_median", language, value=_decimal(days, language))


def _decimal(value: float, language: str) -> str:
    """3.0 as "3", 3.5 as "3.5" (or "3,5" in Dutch)."""
    text = str(int(value)) if value.is_integer() else f"{value:.1f}"
    return text.replace(".", ",") if language == "nl" else text


def _node_lines(node: NodeInsight, language: str, k: int) -> list[str]:
    say = partial(texts.say, language=language)
    figures = [say("insights_reached", value=texts.count(node.reached, language, k))]
    if node.reached.shown and node.kind in ("choice", "reflection"):
        figures.append(say("insights_answered", value=texts.count(node.went_on, language, k)))
        figures.append(say("insights_stopped", value=texts.count(node.stopped, language, k)))
    elif node.reached.shown and node.kind in ("message", "branch"):
        figures.append(say("insights_went_on", value=texts.count(node.went_on, language, k)))
    if node.drop_off is not None:
        figures.append(say("insights_drop_off", value=texts.percent(node.drop_off, language)))
    kind = say(f"insights_kind_{node.kind}")
    lines = [say("insights_node", node=node.node, kind=kind, figures=DOT.join(figures))]
    if node.choices is not None and node.choices.total.shown:
        lines += _choice_lines(node.choices, node.labels, language)
    return lines


def _choice_lines(shown: Breakdown, labels: Mapping[str, Text], language: str) -> list[str]:
    name = {option: label.get(language) for option, label in labels.items()}
    lines = [
        texts.say("part", language, label=name[p.label], count=p.count, share=texts.percent(p.share, language))
        for p in shown.shown
    ]
    if shown.others:
        value, others = shown.others_total.value, "; ".join(name[option] for option in shown.others)
        key = "others" if value is None or not shown.shown else "others_total"
        lines.append(texts.say(key, language, labels=others, value=value))
    return lines


# --- as a table --------------------------------------------------------------


def insights_csv(insights: Insights) -> str:
    """The insights as CSV text (``CSV_HEADER``), one row per figure; a hidden figure has no value and a note."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    version = "all" if insights.version is None else str(insights.version)
    head = (insights.dialogue, version)
    k = insights.k
    writer.writerow((*head, "", "", "started", *_count_cells(insights.started, k)))
    writer.writerow((*head, "", "", "finished", *_count_cells(insights.finished, k)))
    median = ("", f"fewer than {k} finished with a known start day")
    if insights.median_days is not None:
        median = (f"{insights.median_days:.1f}", "")
    writer.writerow((*head, "", "", "median_days_to_finish", *median))
    for node in insights.nodes:
        writer.writerows((*head, node.node, node.kind, *row) for row in _node_rows(node, k))
    return buffer.getvalue()


def _count_cells(value: Figure, k: int) -> tuple[str, str]:
    return ("", f"fewer than {k}") if value.value is None else (str(value.value), "")


def _share_cells(share: float | None, note: str) -> tuple[str, str]:
    return ("", note) if share is None else (f"{share:.2f}", "")


def _node_rows(node: NodeInsight, k: int) -> list[tuple[str, str, str]]:
    rows = [
        ("reached", *_count_cells(node.reached, k)),
        ("went_on", *_count_cells(node.went_on, k)),
        ("stopped", *_count_cells(node.stopped, k)),
        ("drop_off", *_share_cells(node.drop_off, f"fewer than {k} stopped or fewer than {k} reached")),
    ]
    return rows if node.choices is None else rows + _choice_rows(node.choices, k)


def _choice_rows(shown: Breakdown, k: int) -> list[tuple[str, str, str]]:
    """The breakdown: answers in all, then per option its count and share, then what the left-out options hold."""
    rows = [("answers", *_count_cells(shown.total, k))]
    counts = {part.label: part for part in shown.shown}
    hidden = f"fewer than {k} answered" if not shown.total.shown else "left out to protect small groups"
    for option in (*(part.label for part in shown.shown), *shown.others):
        part = counts.get(option)
        rows.append((f"chose:{option}", *(("", hidden) if part is None else (str(part.count), ""))))
        rows.append((f"share:{option}", *_share_cells(None if part is None else part.share, hidden)))
    if shown.others and shown.total.shown:
        rows.append(("left_out_together", *_count_cells(shown.others_total, k)))
    return rows


# --- on the graph ------------------------------------------------------------


def annotate(insights: Insights, language: str) -> dict[str, tuple[str, str]]:
    """Node id -> (a line with its reach and drop-off, a fill colour by drop-off), for ``to_dot``."""
    texts.check_language(language)
    return {node.node: (_mark(node, language, insights.k), colour(node.drop_off)) for node in insights.nodes}


def _mark(node: NodeInsight, language: str, k: int) -> str:
    if node.reached.value is None:
        return texts.say("insights_mark_hidden", language, k=k)
    if node.drop_off is not None:
        return texts.say(
            "insights_mark", language, reached=node.reached.value, drop_off=texts.percent(node.drop_off, language)
        )
    if node.kind in ("choice", "reflection"):
        return texts.say("insights_mark_stopped_hidden", language, reached=node.reached.value, k=k)
    return texts.say("insights_reached", language, value=node.reached.value)


def colour(drop_off: float | None) -> str:
    """A fill for this drop-off: white at none, light orange at a quarter, red from a half on; grey if hidden."""
    if drop_off is None:
        return NEUTRAL
    steps = list(pairwise(SCALE))
    (low, start), (high, end) = next((step for step in steps if drop_off <= step[1][0]), steps[-1])
    t = min(max((drop_off - low) / (high - low), 0.0), 1.0)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(start, end, strict=True))
