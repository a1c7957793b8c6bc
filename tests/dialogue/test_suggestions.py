""" "Did you mean" suggestions stay helpful on small files and cheap on huge ones."""

from __future__ import annotations

import time

from bot.dialogue.loader import check_dialogue


def many_broken_links(count: int) -> bytes:
    """A dialogue of ``count`` messages whose every ``next`` names a node that does not exist."""
    head = "id: big\nversion: 1\ntitle: Big\nsession: other\nlanguages: [en]\nstart: step-0\nnodes:\n"
    nodes = "".join(f"  step-{i}:\n    type: message\n    say: Hi\n    next: stepp-{i}\n" for i in range(count))
    return (head + nodes).encode()


def test_thousands_of_broken_links_are_checked_quickly() -> None:
    """4,000 broken links are all reported in seconds, the first with a suggestion; the next file gets its own."""
    data = many_broken_links(4000)
    began = time.perf_counter()
    checked = check_dialogue(data, "big.yaml")
    elapsed = time.perf_counter() - began
    broken = [p for p in checked.problems if p.is_error and "names a missing node" in p.message]
    assert elapsed < 5, f"checking took {elapsed:.1f} s"
    assert len(broken) == 4000 and checked.dialogue is None
    assert str(broken[0]) == "big.yaml:11:11: 'next' names a missing node 'stepp-0' (did you mean 'step-0'?)"
    assert all("did you mean" in str(problem) for problem in broken[:10])
    small = check_dialogue(many_broken_links(2), "small.yaml")
    assert all("did you mean" in str(problem) for problem in small.problems)


def many_conditions(count: int) -> bytes:
    """A dialogue of ``count`` choices, each with an option shown only if the other one was chosen (twenty tests)."""
    head = "id: big\nversion: 1\ntitle: Big\nsession: other\nlanguages: [en]\nstart: c0\nnodes:\n"
    option = "      - id: {}\n        label: L\n        next: c{}\n"
    nodes = "".join(
        f"  c{i}:\n    type: choice\n    ask: Q\n    options:\n"
        + option.format(f"a{i}", i + 1)
        + option.format(f"b{i}", i + 1)
        + f"        if: {' or '.join([f'chosen(a{i})', f'chosen(c{i}.a{i})'] * 10)}\n"
        for i in range(count)
    )
    return (head + nodes + f"  c{count}:\n    type: end\n").encode()


def test_thousands_of_conditions_are_checked_quickly() -> None:
    """A file of 1,700 choices whose conditions name options 34,000 times loads in seconds."""
    data = many_conditions(1700)
    began = time.perf_counter()
    checked = check_dialogue(data, "big.yaml")
    elapsed = time.perf_counter() - began
    assert checked.problems == () and checked.dialogue is not None
    assert elapsed < 5, f"checking took {elapsed:.1f} s"
