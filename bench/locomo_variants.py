"""Retrieval variants side by side at a turn budget, on data folders ``mnemo eval locomo`` reflected.

Reflect once (``mnemo eval locomo FILE --no-model --workdir W``), then compare here, in one
process with each question embedded once, how variants of Mnemo's fused retrieval (fusion
weights, memories shown whole or leading to their turns) score: recall at a budget of 5,
10 and 20 distinct turns over all questions of categories 1-4 (no reranker training: the
reranker is not involved, the fused order is scored), and the time a retrieval takes, as a
ratio to the first variant's in the same process (timings on a shared, loaded machine).
Choices made with this are made on the development conversations, and say so.

    .venv/bin/python bench/locomo_variants.py ../shared/eval/locomo-dev.json W [--variants N]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from core.evals.budget import BUDGETS, budget_recall  # noqa: E402
from core.evals.locomo import _open, _Refs, _split_questions, _Params  # noqa: E402
from core.evals.locomo_data import load_locomo  # noqa: E402
from core.memory.retrieval import DEFAULT_WEIGHTS  # noqa: E402

VARIANTS: dict[str, tuple[bool, dict[str, float]]] = {
    "lead to turns, default weights": (True, {}),
    "whole memories, default weights": (False, {}),
    "lead to turns, turns weighted as memories": (True, {"turn_kw": 1.0, "turn_dense": 0.6}),
    "lead to turns, memories only": (True, {"turn_kw": 0.0, "turn_dense": 0.0}),
    "lead to turns, dense halved": (True, {"mem_dense": 0.3, "turn_dense": 0.15}),
    "lead to turns, memory dense halved": (True, {"mem_dense": 0.3}),
    "lead to turns, turn dense halved": (True, {"turn_dense": 0.15}),
    "lead to turns, turn keywords halved": (True, {"turn_kw": 0.25}),
    "lead to turns, memory keywords x1.5": (True, {"mem_kw": 1.5}),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("workdir", type=Path)
    ap.add_argument("--variants", type=int, default=len(VARIANTS), help="only the first N variants")
    args = ap.parse_args()
    variants = dict(list(VARIANTS.items())[: args.variants])
    from models.embedded import default_embedder
    from models.embedder import Embedder

    embedder = Embedder(default_embedder())
    rows: dict[str, list[list[float]]] = {v: [] for v in variants}
    ms: dict[str, list[float]] = {v: [] for v in variants}
    for conv in load_locomo(args.data):
        folder = args.workdir / conv.sample_id
        home = _open(folder, embedder, None)
        refs = _Refs(json.loads((folder / "ref2dia.json").read_text()))
        qs, _ = _split_questions(conv, _Params(20, 5, 0.5, 1e-3, 0.5, 0.5, 1, False, 0))
        r = home.memory.retriever
        qvecs = {q.question: r.query_vector(q.question) for q in qs}
        for _ in range(2):   # warm: SQLite pages and the exact-search matrices, for every variant alike
            for through, w in variants.values():
                r.through_memories, r.weights = through, dict(DEFAULT_WEIGHTS, **w)
                r.retrieve(qs[0].question, k=20, qvec=qvecs[qs[0].question])
        for name, (through, w) in variants.items():
            r.through_memories, r.weights = through, dict(DEFAULT_WEIGHTS, **w)
            for q in qs:
                t0 = time.perf_counter()
                got = r.retrieve(q.question, k=20, qvec=qvecs[q.question])
                ms[name].append(1000 * (time.perf_counter() - t0))
                items = refs.order(got.candidates, range(len(got.candidates)))
                rows[name].append([budget_recall(items, q.evidence, b)[0] for b in BUDGETS])
        home.memory.close()
        home.db.close()
    print(f"{'variant':45s} " + " ".join(f"B@{b:<4d}" for b in BUDGETS)
          + "  retrieval p50 / p95 as a ratio to the first variant's (all questions, cat. 1-4)")
    first = next(iter(ms.values()))
    p50, p95 = np.percentile(first, 50), np.percentile(first, 95)
    for name, got in rows.items():
        a = np.array(got)
        print(f"{name:45s} " + " ".join(f"{x:.3f}" for x in a.mean(0))
              + f"  {np.percentile(ms[name], 50) / p50:.2f} / {np.percentile(ms[name], 95) / p95:.2f}")
    print(f"(first variant: p50 {p50:.1f} ms, p95 {p95:.1f} ms; load average {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
