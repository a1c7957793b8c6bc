"""The k rule: no figure about fewer than k people is ever shown as a number."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.report.threshold import HIDDEN, Breakdown, Figure, Part, breakdown, figure, rate

KS = [2, 5]


@pytest.mark.parametrize("k", KS)
def test_a_count_shows_from_k_people_on(k: int) -> None:
    """k-1 people read as "fewer than k"; k and k+1 people are shown as they are."""
    assert figure(k - 1, k) == HIDDEN and not figure(k - 1, k).shown
    assert figure(k, k) == Figure(k) and figure(k, k).shown
    assert figure(k + 1, k) == Figure(k + 1)


def test_nobody_is_hidden_like_one_person() -> None:
    """Zero is below k too: "nobody" is not shown, just as "one person" is not."""
    assert figure(0, 5) == HIDDEN == figure(1, 5)


@pytest.mark.parametrize("k", KS)
def test_a_rate_needs_k_in_its_part(k: int) -> None:
    """With plenty sent, a response is shown only once k people answered."""
    whole = 10 * k
    assert rate(k - 1, whole, k) is None
    assert rate(k, whole, k) == pytest.approx(k / whole)
    assert rate(k + 1, whole, k) == pytest.approx((k + 1) / whole)


@pytest.mark.parametrize("k", KS)
def test_a_rate_needs_k_in_its_whole(k: int) -> None:
    """Everyone answering is not shown while fewer than k were asked: 100 % of 4 would reveal 4."""
    assert rate(k - 1, k - 1, k) is None
    assert rate(k, k, k) == 1.0
    assert rate(k, k + 1, k) == pytest.approx(k / (k + 1))


def test_thirty_percent_of_ten_is_not_shown_with_k_five() -> None:
    """The issue's example: 3 of 10 would reveal 3 people, so no share is given."""
    assert rate(3, 10, 5) is None and rate(5, 10, 5) == 0.5


@pytest.mark.parametrize("k", KS)
def test_a_breakdown_is_hidden_below_k_answers(k: int) -> None:
    """With k-1 answers in all, no option gets a number, not even the total."""
    shown = breakdown({"yes": k - 1, "no": 0}, k)
    assert shown == Breakdown(HIDDEN, (), ("yes", "no"), HIDDEN)


@pytest.mark.parametrize("k", KS)
def test_a_breakdown_of_k_answers_shows_an_option_all_k_chose(k: int) -> None:
    """At exactly k answers the total shows; an option chosen by all k shows; an unchosen one has no number."""
    shown = breakdown({"yes": k, "no": 0}, k)
    assert shown == Breakdown(Figure(k), (Part("yes", k, 1.0),), ("no",), HIDDEN)


@pytest.mark.parametrize("k", KS)
def test_an_option_below_k_is_named_without_a_number(k: int) -> None:
    """k-1 chose one option and 1 another: both are named, not counted; together they hold k, which is given."""
    counts = {"a": k, "b": k + 1, "c": k - 1, "d": 1}
    shown = breakdown(counts, k)
    total = 3 * k + 1
    assert shown.total == Figure(total)
    assert [(p.label, p.count) for p in shown.shown] == [("a", k), ("b", k + 1)]
    assert [p.share for p in shown.shown] == pytest.approx([k / total, (k + 1) / total])
    assert shown.others == ("c", "d") and shown.others_total == Figure(k)
    assert _numbers(shown) == {total, k, k + 1}


@pytest.mark.parametrize("k", KS)
def test_a_small_option_cannot_be_worked_out_from_the_total(k: int) -> None:
    """When the left-out options hold 1 to k-1, the smallest shown one is left out too, so their sum is k or more."""
    counts = {"rewrite": k + 3, "talk": k + 1, "refuse": 1}
    shown = breakdown(counts, k)
    assert [p.label for p in shown.shown] == ["rewrite"]
    assert shown.others == ("talk", "refuse") and shown.others_total == Figure(k + 2)
    assert 1 not in _numbers(shown) and k + 1 not in _numbers(shown)


@pytest.mark.parametrize("k", KS)
def test_what_is_left_out_is_either_nothing_or_k_or_more(k: int) -> None:
    """For every split of up to 3k answers over three options, the hidden remainder is 0 or at least k."""
    for a in range(3 * k):
        for b in range(3 * k - a):
            for c in range(3 * k - a - b):
                shown = breakdown({"a": a, "b": b, "c": c}, k)
                if shown.total.shown:
                    left = a + b + c - sum(p.count for p in shown.shown)
                    assert left == 0 or left >= k, (a, b, c)
                    assert all(p.count >= k for p in shown.shown)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: figure(-1, 5), "count: -1", id="negative count"),
        pytest.param(lambda: figure(3, 0), "k: 0", id="k of zero"),
        pytest.param(lambda: rate(6, 5, 5), "part: 6 is more than whole 5", id="part over whole"),
        pytest.param(lambda: breakdown({"yes": -2}, 5), "option 'yes': -2", id="negative option"),
    ],
)
def test_impossible_counts_are_refused_with_the_value(call: Callable[[], object], message: str) -> None:
    """A negative count, a part larger than its whole or a k below 1 is a caller's bug, named with its value."""
    with pytest.raises(ValueError, match=message):
        call()


def _numbers(shown: Breakdown) -> set[int]:
    """Every whole number a reader of the breakdown sees."""
    values = {shown.total.value, shown.others_total.value, *(p.count for p in shown.shown)}
    return {v for v in values if v is not None}
