"""mnemo eval answers' scorer: strict on values, invented values caught, citations checked, bad files named."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.chat.evaluate import Question, load_questions, score_answer
from core.errors import MnemoError
from core.grounding.check import Support

STORE = Support.of(["Phone: +44 7700 900481. The lease starts on 1 March 2025."])
Q = Question("What is my mobile number?", r"07700 ?900481|\+44 ?7700 ?900481", "own")


def test_one_wrong_digit_is_wrong_and_invented():
    row = score_answer(Q, "Your phone number is 07700 900482 [1].", [], "model", STORE)
    assert not row.right and row.invented == ["07700 900482"]
    row = score_answer(Q, "Your phone number is 07700 900481 [1].", [{"cited": True, "text": "tel: +447700900481"}],
                       "fact", STORE)
    assert row.right and row.invented == [] and row.cited_right   # the cited fact holds the number in E.164


def test_a_citation_of_a_passage_without_the_value_is_not_precise():
    row = score_answer(Q, "Your phone number is 07700 900481 [1].", [{"cited": True, "text": "The lease starts."}],
                       "model", STORE)
    assert row.right and not row.cited_right


def test_question_files(tmp_path: Path):
    f = tmp_path / "qa.tsv"
    f.write_text("# comment\nWhen does the lease start?\t1 March 2025\tdocument\n", encoding="utf-8")
    assert load_questions(f) == [Question("When does the lease start?", "1 March 2025", "document")]
    f.write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(MnemoError, match="line 1"):
        load_questions(f)
    f.write_text("Q?\t(unclosed\n", encoding="utf-8")
    with pytest.raises(MnemoError, match="not a regular expression"):
        load_questions(f)
