"""The reranker's train/test split: no test question's evidence is in any training question's evidence."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.evals.locomo_data import Question, Session, load_locomo
from core.evals.split import split_by_time
from tests.conftest import SHARED_EVAL


def _sessions(n: int) -> list[Session]:
    day = datetime(2023, 5, 1)
    return [Session(i, (day + timedelta(days=7 * i)).strftime("%I:%M %p on %d %B, %Y"), []) for i in range(1, n + 1)]


def _disjoint(split) -> None:
    train_ev = {d for q in split.train for d in q.evidence}
    assert not any(q.evidence & train_ev for q in split.test)


def test_split_is_by_time_and_evidence_disjoint():
    qs = [Question(f"q{i}", "", {f"D{1 + i % 6}:{i}"}, 4) for i in range(30)]
    qs.append(Question("straddles", "", {"D2:1", "D5:1"}, 1))
    qs.append(Question("same turn as a later one", "", {"D3:3"}, 4))
    qs.append(Question("asks about D3:3 too", "", {"D3:3", "D4:1"}, 1))
    s = split_by_time(qs, _sessions(6), 0.5)
    _disjoint(s)
    assert s.train and s.test
    assert max(int(d[1:].split(":")[0]) for q in s.train for d in q.evidence) < \
        min(int(d[1:].split(":")[0]) for q in s.test for d in q.evidence)       # the past trains, the future tests
    assert s.cut == 3 and {q.question for q in s.dropped} == {"straddles", "asks about D3:3 too"}  # both sides
    assert len(s.train) + len(s.test) + len(s.dropped) == len(qs)
    assert abs(len(s.train) - len(s.test)) <= 6


def test_sessions_are_ordered_by_date_not_by_number():
    sessions = _sessions(4)
    sessions[0], sessions[3] = Session(1, sessions[3].date_time, []), Session(4, sessions[0].date_time, [])
    qs = [Question("early", "", {"D4:1"}, 4), Question("late", "", {"D1:1"}, 4)]
    s = split_by_time(qs, sessions, 0.5)
    assert [q.question for q in s.train] == ["early"] and [q.question for q in s.test] == ["late"]


@pytest.mark.skipif(not (SHARED_EVAL / "locomo-dev.json").exists(), reason="../shared/eval/locomo-dev.json is not there")
def test_dev_conversations_split_disjoint():
    for conv in load_locomo(SHARED_EVAL / "locomo-dev.json"):
        qs = [q for q in conv.questions if q.category in (1, 2, 3, 4) and q.evidence]
        s = split_by_time(qs, conv.sessions, 0.5)
        _disjoint(s)
        assert len(s.train) >= 0.3 * len(qs) and len(s.test) >= 0.3 * len(qs)
