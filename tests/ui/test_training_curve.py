"""The decoder tab's training curve reads a real checkpoint's history (a tiny decoder trained here) and α."""
from __future__ import annotations

import math

from tests.core.insights_helpers import train_tiny_decoder


def test_decoder_tab_draws_the_trained_checkpoints_curve_and_alpha(qtbot, services) -> None:
    from ui.widgets.decoder_view import DecoderView

    record = train_tiny_decoder(services.decoder.checkpoint_dir, epochs=5)
    services.settings_store.set("decoder.alpha", 0.4)
    view = DecoderView(services.decoder, services)
    qtbot.addWidget(view)
    view.resize(1000, 800)
    view.show()
    curve = view.curve.curve
    assert curve is not None and curve.epochs == [1, 2, 3, 4, 5]
    assert curve.heldout_ppl == [h["heldout_ppl"] for h in record["history"]]
    assert view.curve.stack.currentIndex() == 1
    lines = [it for it in view.curve.epochs.getPlotItem().listDataItems()]
    held = next(it for it in lines if it.name() and it.name().startswith("with the decoder"))
    xs, ys = held.getOriginalDataset()   # getData is log10 on the log axis
    assert list(xs) == [1, 2, 3, 4, 5] and [round(y, 6) for y in ys] == [round(p, 6) for p in curve.heldout_ppl]
    base = next(it for it in lines if it.name() == "model alone")
    assert all(math.isclose(y, record["heldout"]["base_ppl"]) for y in base.getOriginalDataset()[1])
    mixing = view.curve.mixing.getPlotItem()
    alpha_line = next(it for it in mixing.items if type(it).__name__ == "InfiniteLine")
    assert math.isclose(alpha_line.value(), 0.4)
    assert "At α = 0.40" in view.curve.caption.text() and "Best epoch" in view.curve.caption.text()
    view.alpha.setValue(75)    # moving the slider moves the marker before the setting is saved
    alpha_line = next(it for it in mixing.items if type(it).__name__ == "InfiniteLine")
    assert math.isclose(alpha_line.value(), 0.75) and "α = 0.75" in view.curve.caption.text()


def test_no_checkpoint_shows_what_will_appear(qtbot, services) -> None:
    from ui.widgets.decoder_view import DecoderView

    view = DecoderView(services.decoder, services)
    qtbot.addWidget(view)
    assert view.curve.curve is None and view.curve.stack.currentWidget() is view.curve.empty
