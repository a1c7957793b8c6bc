"""Checks on the shape of a dialogue: reachable nodes, a way to the end, no silent loops."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from bot.dialogue.model import Branch, Dialogue, End, Message, Node, NodeId, targets
from bot.dialogue.problems import START, Mark, Problem


def check_graph(dialogue: Dialogue, path: str, marks: Mapping[str, Mark]) -> list[Problem]:
    """Problems with how the nodes connect, each at the node it concerns."""

    def at(node: str, message: str, severity: str = "error") -> Problem:
        return Problem(path, marks.get(node, START), message, severity)  # type: ignore[arg-type]

    reached = reachable([dialogue.start], lambda n: targets(dialogue.nodes[n]))
    ends = [node_id for node_id, node in dialogue.nodes.items() if isinstance(node, End)]
    back = _predecessors(dialogue.nodes)
    finishing = set(reachable(ends, lambda n: back.get(n, ())))
    problems = [
        at(n, f"node {n!r} can never be reached from 'start'", "warning") for n in dialogue.nodes if n not in reached
    ]
    if not ends:
        problems.append(Problem(path, START, "the dialogue has no node of type 'end'"))
    problems += [at(n, f"no 'end' can be reached from node {n!r}") for n in reached if n not in finishing and ends]
    problems += [
        at(loop[0], f"nodes {' -> '.join(loop)} loop without asking anything") for loop in silent_loops(dialogue)
    ]
    return problems


def reachable(roots: Iterable[NodeId], neighbours: Callable[[NodeId], Iterable[NodeId]]) -> list[NodeId]:
    """Nodes reachable from ``roots``, in the order found."""
    seen = dict.fromkeys(roots)
    queue = list(seen)
    while queue:
        for target in neighbours(queue.pop()):
            if target not in seen:
                seen[target] = None
                queue.append(target)
    return list(seen)


def _predecessors(nodes: Mapping[NodeId, Node]) -> dict[NodeId, set[NodeId]]:
    back: dict[NodeId, set[NodeId]] = {}
    for node_id, node in nodes.items():
        for target in targets(node):
            back.setdefault(target, set()).add(node_id)
    return back


def silent_loops(dialogue: Dialogue) -> list[list[NodeId]]:
    """Cycles made only of messages and branches: the engine would never stop to ask."""
    silent = {n: list(targets(node)) for n, node in dialogue.nodes.items() if isinstance(node, Message | Branch)}
    state: dict[NodeId, int] = {}  # 1 = on the current path, 2 = done
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
