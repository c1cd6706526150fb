"""Recall at a turn budget: what a ranking is worth once the context it costs is counted.

A retrieved memory brings every turn behind it, so "recall of the top 5 items" flatters a
method whose items are big. Here the ranked items are walked in order and the turns behind
them taken in order (a turn already taken is not counted again) until ``budget`` distinct
turns are in: the last item is cut to the turns that still fit. Recall is the share of the
evidence turns among those; the cost is the context tokens of the items read (the last one
in proportion to the share of its new turns taken), estimated as the chat estimates them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from core.chat.prompt import estimate_tokens

BUDGETS = (5, 10, 20)


@dataclass(frozen=True)
class Item:
    """One ranked item as the budget sees it: the turns behind it, in reading order, and its tokens."""

    turns: tuple[str, ...]
    tokens: int

    @classmethod
    def of(cls, turns: Sequence[str], text: str) -> "Item":
        return cls(tuple(turns), estimate_tokens(text))


def take_turns(items: Sequence[Item], budget: int) -> tuple[list[str], float]:
    """The first ``budget`` distinct turns behind ``items`` and the tokens the items read to get them cost."""
    taken: list[str] = []
    seen: set[str] = set()
    tokens = 0.0
    for it in items:
        if len(taken) >= budget:
            break
        new = [t for t in dict.fromkeys(it.turns) if t not in seen]
        room = budget - len(taken)
        part = new[:room]
        tokens += it.tokens * (len(part) / len(new) if len(new) > room else 1.0)
        taken += part
        seen.update(part)
    return taken, tokens


def budget_recall(items: Sequence[Item], evidence: set[str], budget: int) -> tuple[float, float]:
    """(share of ``evidence`` among the first ``budget`` distinct turns, tokens those items cost)."""
    taken, tokens = take_turns(items, budget)
    if not evidence:
        return 0.0, tokens
    return len(evidence & set(taken)) / len(evidence), tokens
