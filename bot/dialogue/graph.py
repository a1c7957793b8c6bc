"""Checks on the shape of a dialogue: reachable nodes, a way to the end, no silent loops."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.dialogue.model import Dialogue, targets
from bot.dialogue.problems import START, Mark, Problem, Severity


@dataclass(frozen=True, slots=True)
class Shape:
    """How nodes connect: enough to check a dialogue's graph before every field is valid."""

    start: str
    kinds: Mapping[str, str]  # node id -> node type
    edges: Mapping[str, tuple[str, ...]]  # node id -> the existing nodes it may lead to


def shape_of(dialogue: Dialogue) -> Shape:
    kinds: dict[str, str] = {node_id: type(node).__name__.lower() for node_id, node in dialogue.nodes.items()}
    edges: dict[str, tuple[str, ...]] = {node_id: tuple(targets(node)) for node_id, node in dialogue.nodes.items()}
    return Shape(dialogue.start, kinds, edges)


def check_graph(shape: Shape, path: str, marks: Mapping[str, Mark]) -> list[Problem]:
    """Problems with how the nodes connect, each at the node it concerns."""

    def at(node: str, message: str, severity: Severity = "error") -> Problem:
        return Problem(path, marks.get(node, START), message, severity)

    reached = reachable([shape.start], lambda n: shape.edges.get(n, ()))
    ends = [node_id for node_id, kind in shape.kinds.items() if kind == "end"]
    back = _predecessors(shape.edges)
    finishing = set(reachable(ends, lambda n: back.get(n, ())))
    problems = [
        at(n, f"node {n!r} can never be reached from 'start'", "warning") for n in shape.kinds if n not in reached
    ]
    if not ends:
        problems.append(Problem(path, START, "the dialogue has no node of type 'end'"))
    problems += [at(n, f"no 'end' can be reached from node {n!r}") for n in reached if n not in finishing and ends]
    problems += [at(loop[0], f"nodes {' -> '.join(loop)} loop without asking anything") for loop in silent_loops(shape)]
    return problems


def reachable(roots: Iterable[str], neighbours: Callable[[str], Iterable[str]]) -> list[str]:
    """Nodes reachable from ``roots``, in the order found."""
    seen = dict.fromkeys(roots)
    queue = list(seen)
    while queue:
        for target in neighbours(queue.pop()):
            if target not in seen:
                seen[target] = None
                queue.append(target)
    return list(seen)


def _predecessors(edges: Mapping[str, tuple[str, ...]]) -> dict[str, set[str]]:
    back: dict[str, set[str]] = {}
    for node_id, found in edges.items():
        for target in found:
            back.setdefault(target, set()).add(node_id)
    return back


def silent_loops(shape: Shape) -> list[list[str]]:
    """Cycles made only of messages and branches: the engine would never stop to ask."""
    silent = {n: shape.edges.get(n, ()) for n, kind in shape.kinds.items() if kind in ("message", "branch")}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    loops = []
    for root, first in silent.items():
        if root in state:
            continue
        path, stack = [root], [iter(first)]
        state[root] = 1
        while stack:
            target = next(stack[-1], None)
            if target is None:
                state[path.pop()] = 2
                stack.pop()
            elif target in silent and state.get(target) == 1:
                loops.append([*path[path.index(target) :], target])
            elif target in silent and target not in state:
                state[target] = 1
                path.append(target)
                stack.append(iter(silent[target]))
    return loops
