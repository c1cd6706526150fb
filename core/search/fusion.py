"""Reciprocal rank fusion (Cormack et al. 2009) and a safe FTS5 query from free text."""
from __future__ import annotations

import re
from typing import Hashable, Sequence, TypeVar

H = TypeVar("H", bound=Hashable)


def rrf(rankings: Sequence[Sequence[H]], k: int = 60, weights: Sequence[float] | None = None) -> list[tuple[H, float]]:
    """Fuse ranked id lists: score(id) = Σ w_r / (k + rank_r(id)), rank from 1. Best first."""
    scores: dict[H, float] = {}
    for r, ranking in enumerate(rankings):
        w = weights[r] if weights is not None else 1.0
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], str(kv[0])))


_WORD = re.compile(r"[\w']+", re.UNICODE)
STOPWORDS = frozenset(
    "a an and are as at be by did do does for from had has have he her his how i in is it its me my of on or "
    "our she so that the their them then there they this to was we were what when where which who whom why "
    "will with you your".split())


def fts5_query(text: str, max_terms: int = 24) -> str:
    """Turn free text into an FTS5 OR-query of quoted terms (no syntax errors, stopwords dropped)."""
    terms: list[str] = []
    for w in _WORD.findall(text.lower()):
        w = w.strip("'")
        if len(w) < 2 or w in STOPWORDS or w in terms:
            continue
        terms.append(w)
        if len(terms) >= max_terms:
            break
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
