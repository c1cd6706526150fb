"""The 'after_match' signal: a turn whose previous turn (a candidate too) holds the question's words; learnable."""
from __future__ import annotations

import numpy as np

from core.memory.reranker import SIGNALS, Reranker
from core.memory.retrieval import Candidate, signals


def _turn(i: int, text: str, conv: int = 1) -> Candidate:
    return Candidate("turn", i, text, "chat", [f"msg:{i}"], vec=np.eye(4, dtype=np.float32)[i % 4],
                     meta={"conversation_id": conv})


def _after(cands: list[Candidate], query: str) -> list[float]:
    s = signals(cands, [{}, {}, {}, {}], query, np.eye(4, dtype=np.float32)[0])
    return s[:, SIGNALS.index("after_match")].round(3).tolist()


def test_the_reply_to_a_line_holding_the_question_words_gets_that_lines_overlap():
    cands = [_turn(7, "Gina: Got any advice for running a store?"), _turn(8, "Jon: Build relationships, stay positive."),
             _turn(3, "Jon: I like dancing."), _turn(4, "Gina: Me too!"),
             _turn(8, "Gina: Some advice on a store?", conv=2), _turn(20, "Jon: ok")]
    query = "What advice does Gina give about running a store?"
    got = _after(cands, query)
    overlap = signals(cands, [{}, {}, {}, {}], query, np.eye(4, dtype=np.float32)[0])[:, SIGNALS.index("overlap")]
    assert abs(got[1] - float(overlap[0])) < 1e-3 and got[1] > 0.5  # turn 8 follows turn 7, which holds most question words
    assert got[0] == 0.0 and got[2] == 0.0    # the turn before them is no candidate
    assert got[3] == 0.0                      # follows turn 3, which holds none of the question's words
    assert got[4] == 0.0                      # another conversation's turn 8 does not follow conversation 1's turn 7
    assert got[5] == 0.0


def test_a_memory_has_no_previous_turn():
    m = Candidate("memory", 8, "note\nGina: advice", "memory", ["msg:8"], vec=np.eye(4, dtype=np.float32)[0])
    assert _after([_turn(7, "Gina: advice for the store?"), m], "advice for the store") == [0.0, 0.0]


def test_its_weight_starts_at_zero_and_learns_from_citations():
    rng = np.random.default_rng(0)
    K, d = 6, 8
    M = rng.normal(size=(K, d)).astype(np.float32)
    q = rng.normal(size=d).astype(np.float32)
    prior = np.linspace(1, 0, K).astype(np.float32)
    sig = np.zeros((K, len(SIGNALS)), np.float32)
    sig[3, SIGNALS.index("after_match")] = 1.0
    r = Reranker(d)
    assert r.w_sig[SIGNALS.index("after_match")] == 0.0
    assert np.argsort(-r.scores(q, M, prior, np.ones(K, int), sig), kind="stable").tolist() == list(range(K))
    for _ in range(40):
        r.update(q, M, prior, [0, 3, 1], [-1.0, 1.0, -1.0], lr=0.0, kinds=np.ones(K, int), signals=sig)
    assert r.w_sig[SIGNALS.index("after_match")] > 0
    s = r.scores(q, M, prior, np.ones(K, int), sig)
    assert s[3] > s[0] and s[3] > s[1]        # the cited one, the turn after a match, now leads those shown
