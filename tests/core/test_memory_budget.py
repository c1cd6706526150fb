"""Recall at a turn budget: a memory's turns count against the budget, distinct turns, the last item cut."""
from __future__ import annotations

import pytest

from core.evals.budget import Item, budget_recall, take_turns


def _turns(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(n))


def test_a_memory_with_12_turns_counts_12_of_the_budget():
    memory = Item(_turns("D1:", 12), 120)
    turn = Item(("D2:1",), 10)
    taken, tokens = take_turns([memory, turn], 20)
    assert taken == [*_turns("D1:", 12), "D2:1"] and tokens == 130
    # at a budget of 5 the memory alone fills it: the raw turn ranked after it is not read
    assert budget_recall([memory, turn], {"D2:1"}, 5) == (0.0, pytest.approx(120 * 5 / 12))
    assert budget_recall([memory, turn], {"D2:1"}, 13)[0] == 1.0


def test_turns_are_counted_once():
    items = [Item(("a", "b"), 20), Item(("b", "a"), 20), Item(("a", "c"), 20), Item(("d",), 10)]
    taken, tokens = take_turns(items, 3)
    assert taken == ["a", "b", "c"]
    # the repeat adds no turn but was read (its tokens count); the third item is cut to its one new turn, all of it
    assert tokens == 60
    assert budget_recall(items, {"d"}, 3)[0] == 0.0 and budget_recall(items, {"d"}, 4)[0] == 1.0


def test_partial_last_item_counts_only_the_turns_that_fit():
    items = [Item(("a", "b", "c"), 30), Item(("d", "e", "f", "g"), 40)]
    taken, tokens = take_turns(items, 5)
    assert taken == ["a", "b", "c", "d", "e"]
    assert tokens == pytest.approx(30 + 40 * 2 / 4)
    assert budget_recall(items, {"e", "g"}, 5)[0] == 0.5
    assert budget_recall(items, {"e", "g"}, 7)[0] == 1.0


def test_no_evidence_and_no_items():
    assert budget_recall([], {"a"}, 5) == (0.0, 0.0)
    assert budget_recall([Item(("a",), 5)], set(), 5) == (0.0, 5.0)
