"""RMM's retrospective reflection in chat: retrieve, rerank, sample top-M, learn from citations.

The provider shows the model M numbered items (memories, raw turns, document passages)
sampled with Gumbel noise from the reranked top-K; after the answer, items cited get
reward +1 and items shown but not cited −1, one REINFORCE step updates the reranker and
its weights are saved.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Sequence

import numpy as np

from core.chat.context import ContextItem, PreparedContext
from core.memory.retrieval import Retrieved, Retriever, features

log = logging.getLogger(__name__)


class MemoryContextProvider:
    """A chat ContextProvider over the reflective memory (and document passages)."""

    def __init__(self, retriever: Retriever, settings: Callable[[], Any], on_activity: Callable[[], None] = lambda: None,
                 seed: int | None = None) -> None:
        self.retriever = retriever
        self._settings = settings          # -> Settings (retrieval section used)
        self._on_activity = on_activity
        self._rng = np.random.default_rng(seed)
        self.updates = 0

    def prepare(self, query: str, history: Sequence[dict[str, str]], conversation_id: int | None) -> PreparedContext:
        self._on_activity()
        r = self._settings().retrieval
        got = self.retriever.retrieve(query, k=r.top_k)
        if not got.candidates:
            return PreparedContext()
        shown = self.retriever.reranker.sample(got.scores, min(r.top_m, len(got.candidates)), r.gumbel_tau, self._rng)
        items = []
        for i in shown:
            c = got.candidates[i]
            items.append(ContextItem(kind=c.kind, ref=c.ref, text=c.text, source=c.source, score=float(got.scores[i]),
                                     meta={"turns": c.turn_refs[:12], **{k: v for k, v in c.meta.items() if k == "summary"}}))
        return PreparedContext(items=items, state={"retrieved": got, "shown": shown})

    def feedback(self, prepared: PreparedContext, shown: list[ContextItem], cited: list[int]) -> None:
        self._on_activity()
        r = self._settings().retrieval
        state = prepared.state if isinstance(prepared.state, dict) else {}
        got: Retrieved | None = state.get("retrieved")
        idx: list[int] = state.get("shown", [])
        if not r.learn_from_citations or got is None or not idx:
            return
        rewards = [1.0 if (j + 1) in cited else -1.0 for j in range(len(idx))]
        M, prior, kinds, sig = features(got.candidates)
        t0 = time.perf_counter()
        self.retriever.reranker.update(got.query_vec, M, prior, idx, rewards, lr=r.reranker_lr,
                                       baseline=r.reinforce_baseline, tau=r.gumbel_tau, kinds=kinds, signals=sig)
        self.retriever.reranker.save()
        self.updates += 1
        log.info("reranker updated from %d citations of %d shown (%.1f ms)", len(cited), len(idx),
                 1000 * (time.perf_counter() - t0))
