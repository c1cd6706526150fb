"""The retrieval signals the reranker learns to weigh: wording held (names left out), neighbours, times, speakers."""
from __future__ import annotations

import numpy as np

from core.memory.reranker import SIGNALS
from core.memory.retrieval import Candidate, signals


def _turn(i: int, text: str, conv: int = 1) -> Candidate:
    return Candidate("turn", i, text, "chat", [f"msg:{i}"], vec=np.eye(4, dtype=np.float32)[i % 4],
                     meta={"conversation_id": conv})


def _sig(cands: list[Candidate], query: str) -> dict[str, list[float]]:
    s = signals(cands, [{}, {}, {}, {}], query, np.eye(4, dtype=np.float32)[0])
    return {n: s[:, j].round(3).tolist() for j, n in enumerate(SIGNALS)}


def test_overlap_counts_the_question_words_a_turn_says_not_the_speakers_names():
    cands = [_turn(1, "Caroline: Glad it helped ya, Melanie!"), _turn(2, "Caroline: Researching adoption agencies now"),
             _turn(3, "Melanie: I went swimming with the kids")]
    s = _sig(cands, "What did Caroline research?")
    assert s["overlap"] == [0.0, 1.0, 0.0]                   # "caroline" is a speaker: only "research" counts
    assert s["speaker"] == [1.0, 1.0, 0.0]                   # spoken by the one asked about


def test_neighbours_of_the_fused_top_five_times_when_asked_when_questions_and_length():
    cands = [_turn(10, "Ann: hi"), _turn(2, "Bo: we moved last year (2022) to Lyon"), _turn(3, "Ann: Did you?"),
             _turn(4, "Bo: yes", conv=2), _turn(40, "Ann: ok"), _turn(11, "Ann: later that day"),
             _turn(5, "Bo: a very " + "long " * 70 + "turn")]
    s = _sig(cands, "When did Bo move to Lyon?")
    assert s["neighbour"] == [0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0]   # 11 is next to 10; 4 is in another conversation
    assert s["when_time"][1] == 1.0 and sum(s["when_time"]) == 1.0
    assert s["question"] == [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    assert s["length"][6] == 1.0 and s["length"][0] < 0.1
    assert s["rank"][0] == 1.0 and s["rank"][-1] < s["rank"][0]
    assert _sig(cands, "Where did Bo move?")["when_time"] == [0.0] * 7   # not a "when" question
