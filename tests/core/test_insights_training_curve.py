"""The training curve read from a real checkpoint record: per-epoch held-out perplexity, the base model, α."""
from __future__ import annotations

import math

from core.insights.training_curve import training_curve
from tests.core.insights_helpers import train_tiny_decoder


def test_curve_of_a_trained_checkpoint(tmp_path) -> None:
    record = train_tiny_decoder(tmp_path / "decoder", epochs=6)
    curve = training_curve(record, alpha=0.6)
    assert curve is not None
    assert curve.epochs == [1, 2, 3, 4, 5, 6]
    assert all(math.isfinite(p) and p > 1 for p in curve.heldout_ppl)
    assert curve.heldout_ppl == [h["heldout_ppl"] for h in record["history"]]
    assert curve.base_ppl is not None and abs(curve.base_ppl - 40.0) < 1e-3     # the toy base: uniform over 40 tokens
    assert min(curve.heldout_ppl) < curve.base_ppl                               # training helped the mixture
    assert curve.loss[-1] < curve.loss[0]
    assert curve.select_alpha == 0.2 and curve.alpha == 0.6
    assert [a for a, _ in curve.mixed] == [0.2, 0.4, 0.6, 0.8]
    assert curve.best_epoch == 1 + curve.heldout_ppl.index(min(curve.heldout_ppl))
    assert curve.positions > 0 and curve.model_name == "toy.gguf" and curve.trained


def test_no_checkpoint_or_no_history_gives_no_curve() -> None:
    assert training_curve(None, 0.6) is None
    assert training_curve({"heldout": {"base_ppl": 3.0}}, 0.6) is None


def test_an_epoch_without_a_held_out_figure_is_a_gap() -> None:
    curve = training_curve({"history": [{"loss": 2.0}, {"loss": 1.5, "heldout_ppl": 9.0}],
                            "heldout": {"base_ppl": "bad", "mixed_ppl": {"0.5": 8.0}}}, 0.5)
    assert curve is not None and math.isnan(curve.heldout_ppl[0]) and curve.heldout_ppl[1] == 9.0
    assert curve.base_ppl is None and curve.mixed == [(0.5, 8.0)] and curve.best_epoch == 2
