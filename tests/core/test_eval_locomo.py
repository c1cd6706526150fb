"""The LoCoMo eval's reranker figures: the best order of the candidates (the ceiling of any reranking), the
training loop on scripted citations, and the table lines that say how much of the gap the reranker closes."""
from __future__ import annotations

import numpy as np

from core.evals.budget import Item, budget_recall
from core.evals.locomo import METHODS, _Asked, _best_order, _Params, _train, format_table
from core.evals.locomo_data import Question
from core.memory.reranker import SIGNALS, Reranker
from core.memory.retrieval import Candidate, Retrieved, features


def test_best_order_puts_the_candidates_holding_evidence_first_and_keeps_the_rest_in_order():
    order = [Item(("D1:1",), 10), Item(("D1:2", "D1:3"), 20), Item(("D2:1",), 10), Item(("D3:1",), 10)]
    best = _best_order(order, {"D2:1", "D1:3"})
    assert [it.turns for it in best] == [("D1:2", "D1:3"), ("D2:1",), ("D1:1",), ("D3:1",)]
    assert budget_recall(best, {"D2:1", "D1:3"}, 3)[0] == 1.0 > budget_recall(order, {"D2:1", "D1:3"}, 3)[0]


def _asked(rng: np.random.Generator, K: int = 8, d: int = 6, target: int = 5) -> _Asked:
    cands = []
    for i in range(K):
        c = Candidate("turn", i, f"turn {i}", "chat", [f"msg:{i}"], prior=1.0 - i / K,
                      vec=rng.normal(size=d).astype(np.float32), meta={"conversation_id": 1})
        c.signals = np.zeros(len(SIGNALS), np.float32)
        c.signals[SIGNALS.index("speaker")] = float(i == target)   # only the cited one is by the one asked about
        cands.append(c)
    q = rng.normal(size=d).astype(np.float32)
    got = Retrieved(q, cands, np.zeros(K, np.float32))
    return _Asked(Question("q", "a", {f"D1:{target}"}, 4), got, features(cands), [i == target for i in range(K)])


def test_training_on_scripted_citations_moves_the_cited_candidate_up_from_the_fused_order():
    rng = np.random.default_rng(0)
    asked = [_asked(rng) for _ in range(10)]
    r = Reranker(6)
    assert asked[0].order(r) == list(range(8))            # untrained: the fused order exactly
    p = _Params(k=8, m=3, tau=0.5, lr=1e-3, baseline=0.5, train_frac=0.5, epochs=5, answers=False, seed=0)
    assert _train(r, asked, p, rng) == 50
    fresh = _asked(rng)
    assert fresh.order(r)[0] == 5                          # learnt from the signal, on a question it never saw


def test_the_table_reports_the_forward_check_and_the_share_of_the_gap_closed():
    def res(b5: float, b10: float, b20: float) -> dict:
        o = {"recall@5": b5, "recall@10": b10, "recall@20": b20, "turns@5": 5.0, "budget@5": b5, "budget@10": b10,
             "budget@20": b20, "tokens@5": 100.0, "tokens@10": 200.0, "tokens@20": 400.0, "n": 10}
        return {"overall": o, "by_category": {"single-hop": o}}
    test = {METHODS[3]: res(0.6, 0.7, 0.8), METHODS[4]: res(0.7, 0.75, 0.8), METHODS[6]: res(0.8, 0.8, 0.8)}
    result = {"conversations": ["c"], "sessions": 2, "turns": 10, "questions": {"train": 5, "test": 10},
              "test": test, "all_questions": {}, "reranker": {"updates": 5, "passes": 5, "reward": "r"},
              "forward_check": {"cuts": [0.5], "methods": {METHODS[3]: res(0.5, 0.6, 0.7), METHODS[4]: res(0.6, 0.6, 0.7)}},
              "latency_ms": {"p50": 1, "p95": 2}, "reflection": {}, "timing_s": {}}
    table = format_table(result)
    assert "forward check, training side" in table and "B@5 0.600" in table
    assert "closes B@5 50%, B@10 50%, B@20 0%" in table
    assert "best order of the candidates" in table
