"""Train/test questions whose evidence is disjoint: split by session time, never at random.

A random split lets the reranker learn from questions about the very turns the test
questions ask about (38-42% of their evidence turns were shared on LoCoMo's development
conversations). Here the sessions are cut at one point in time: questions whose evidence
lies wholly before the cut train the reranker (the past a user has already asked about),
questions whose evidence lies wholly after it test it, and the few whose evidence straddles
the cut are used for neither. The cut is the one whose train share is nearest ``train_frac``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from core.evals.locomo_data import Question, Session


@dataclass
class Split:
    train: list[Question]
    test: list[Question]
    dropped: list[Question]       # evidence on both sides of the cut
    cut: int                      # sessions before this position (in time order) are the training side


def _session_of(dia_id: str) -> int:
    return int(dia_id[1:].split(":")[0])


def split_by_time(questions: Sequence[Question], sessions: Sequence[Session], train_frac: float = 0.5) -> Split:
    """Questions (with evidence) split at the session cut whose train share is nearest ``train_frac``."""
    order = sorted(sessions, key=lambda s: (s.when, s.index))
    pos = {s.index: n for n, s in enumerate(order)}
    spans = []
    for q in questions:
        where = [pos[_session_of(d)] for d in q.evidence if _session_of(d) in pos]
        if where:
            spans.append((q, min(where), max(where)))
    best: Split | None = None
    for cut in range(1, len(order)):
        train = [q for q, _, hi in spans if hi < cut]
        test = [q for q, lo, _ in spans if lo >= cut]
        if not train or not test:
            continue
        if best is None or abs(len(train) / (len(train) + len(test)) - train_frac) < \
                abs(len(best.train) / (len(best.train) + len(best.test)) - train_frac):
            best = Split(train, test, [q for q, lo, hi in spans if lo < cut <= hi], cut)
    return best or Split([], [q for q, _, _ in spans], [], 0)
