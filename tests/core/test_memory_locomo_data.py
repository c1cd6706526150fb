"""The LoCoMo reader: malformed evidence ids normalised, dates parsed, benchmark summaries never read."""
from __future__ import annotations

import json

from core.evals.budget import Item
from core.evals.locomo import recall, token_f1
from core.evals.locomo_data import load_locomo, norm_dia_id

SECRET = "SUMMARY-SENTINEL"


def test_reader_normalises_and_ignores_annotations(tmp_path):
    data = [{"sample_id": "x", "conversation": {
        "speaker_a": "Ann", "speaker_b": "Bo", "session_1_date_time": "1:56 pm on 8 May, 2023",
        "session_1": [{"speaker": "Ann", "dia_id": "D1:1", "text": "I ran a race."},
                      {"speaker": "Bo", "dia_id": "D1:2", "text": "Nice!", "blip_caption": "a medal", "img_url": ["u"]}]},
        "qa": [{"question": "What did Ann run?", "answer": 2022, "evidence": ["D:1:1", "D1:02", "junk"], "category": 4},
               {"question": "?", "adversarial_answer": "no", "evidence": [], "category": 5}],
        "session_summary": {"s": SECRET}, "event_summary": {"e": SECRET}, "observation": {"o": SECRET}}]
    p = tmp_path / "l.json"
    p.write_text(json.dumps(data))
    conv = load_locomo(p)[0]
    assert conv.sessions[0].date == "8 May 2023"
    assert conv.sessions[0].turns[1].text == "Nice! [shares a photo: a medal]"
    q = conv.questions[0]
    assert q.evidence == {"D1:1", "D1:2"} and q.answer == "2022" and conv.questions[1].answer == "no"
    assert SECRET not in repr(conv)
    assert norm_dia_id("D30:05") == "D30:5" and norm_dia_id("x") is None


def test_recall_and_f1():
    items = [Item(("D1:1", "D1:2"), 10), Item(("D2:1",), 5)]
    assert recall(items, {"D2:1", "D3:3"}, 1) == 0.0
    assert recall(items, {"D2:1", "D3:3"}, 2) == 0.5
    assert token_f1("The 7 May 2023", "7 May 2023") == 1.0 and token_f1("no", "yes") == 0.0
