"""``mnemo eval locomo`` end to end on a subset of the dev file, with the real embedded model and embedder."""
from __future__ import annotations

import json

import pytest

from app.cli.main import main
from tests.conftest import SHARED_EVAL

DEV = SHARED_EVAL / "locomo-dev.json"


@pytest.mark.slow
@pytest.mark.skipif(not DEV.exists(), reason="../shared/eval/locomo-dev.json is not there")
def test_eval_locomo_subset_json(home, tmp_path, capsys):
    rc = main(["--home", str(home), "eval", "locomo", str(DEV), "--conversations", "1", "--sessions", "1",
               "--workdir", str(tmp_path / "work"), "--json"])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert res["sessions"] == 1 and res["turns"] > 10
    assert res["reflection"]["model_calls"] + res["reflection"]["cached_calls"] >= 1   # the model reflected
    assert res["reflection"]["memories_added"] >= 4
    methods = res["all_questions"]
    assert set(methods) >= {"dense turns (baseline)", "hybrid turns", "mnemo fused"}
    for m in methods.values():
        assert 0.0 <= m["overall"]["recall@5"] <= m["overall"]["recall@10"] <= m["overall"]["recall@20"] <= 1.0
        o = m["overall"]
        assert 0.0 <= o["budget@5"] <= o["budget@10"] <= o["budget@20"] <= 1.0
        assert 0 < o["tokens@5"] <= o["tokens@20"]
    for turns in ("dense turns (baseline)", "hybrid turns"):   # one turn an item: the budget is item recall
        assert methods[turns]["overall"]["budget@10"] == methods[turns]["overall"]["recall@10"]
    # a whole memory brings several turns: at most as many evidence turns in 5 turns of budget as in 5 items
    whole = methods["mnemo fused, whole memories"]["overall"]
    assert whole["budget@5"] <= whole["recall@5"] and whole["turns@5"] > 5
    # memories leading to their turns spend the budget better than memories shown whole
    assert methods["mnemo fused"]["overall"]["budget@10"] >= methods["mnemo fused, whole memories"]["overall"]["budget@10"]
    assert methods["mnemo fused"]["overall"]["budget@20"] >= methods["dense turns (baseline)"]["overall"]["budget@20"]
    assert "mnemo reranked, trained" in res["test"] and res["latency_ms"]["p95"] > 0
    assert res["timing_s"]["reflection: model"] > 0
