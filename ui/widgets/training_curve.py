"""The memory decoder's training curve and its mixing weight α, drawn from the checkpoint record.

Left: held-out perplexity after each epoch (the decoder mixed in at the α training selects with)
against the model alone on the same held-out positions. Right: after training, held-out perplexity
at each mixing weight α that was measured (α = 0 is the model alone), with the α answers use now.
The numbers come from ``core.insights.training_curve``; this widget only draws them.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from ui.widgets.empty_state import EmptyState
from ui.widgets.plot_style import PlotColours, colours, restyle_on_palette_change, style_plot

if TYPE_CHECKING:
    from core.insights.training_curve import TrainingCurve


class PlainLogAxis(pg.AxisItem):
    """A log-scale axis labelled with plain numbers ("60", "2,500") instead of pyqtgraph's "6·10¹"."""

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802 (Qt style)
        out = []
        for v in values:
            x = 10 ** (v * scale)
            lead = x / 10 ** math.floor(math.log10(x)) if x > 0 else 0.0
            if len(values) > 4 and not any(math.isclose(lead, m, rel_tol=0.02) for m in (1, 2, 3, 5)):
                out.append("")   # minor ticks stay marks: labelled, 6 7 8 9 run into each other
            else:
                out.append(f"{x:,.0f}" if x >= 10 else f"{x:.3g}")
        return out


class TrainingCurveView(QWidget):
    """``show_curve(curve)`` draws it (None: not trained yet); ``set_alpha`` moves the α marker."""

    drawn = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.curve: TrainingCurve | None = None
        self.alpha: float | None = None
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        self.epochs = pg.PlotWidget(axisItems={"left": PlainLogAxis("left")})
        self.mixing = pg.PlotWidget(axisItems={"left": PlainLogAxis("left")})
        for plot in (self.epochs, self.mixing):
            plot.setMenuEnabled(False)
            plot.setMinimumHeight(190)
            plot.getPlotItem().setMouseEnabled(x=False, y=False)
            plot.getPlotItem().setLogMode(y=True)   # perplexities: a model alone in the thousands, mixed in tens
        row = QHBoxLayout()
        row.addWidget(self.epochs, 3)
        row.addWidget(self.mixing, 2)
        plots = QWidget()
        plots.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        page = QWidget()
        pl = QVBoxLayout(page)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(plots, 1)
        pl.addWidget(self.legend)
        pl.addWidget(self.caption)
        self.empty = EmptyState("No training curve yet",
                                "Once the decoder is trained, its held-out perplexity after each epoch appears here "
                                "next to the model alone (lower is better).")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(page)
        col.addWidget(self.stack)
        restyle_on_palette_change(self, self._draw)

    def show_curve(self, curve: TrainingCurve | None) -> None:
        self.curve = curve
        self.alpha = curve.alpha if curve is not None else None
        self.stack.setCurrentIndex(1 if curve is not None else 0)
        self._draw()
        self.drawn.emit()

    def set_alpha(self, alpha: float) -> None:
        """Move the α marker (while the slider moves; the setting is saved when it is released)."""
        self.alpha = alpha
        self._draw()

    # ---- drawing ---------------------------------------------------------------------------------
    def _draw(self) -> None:
        c = colours(self)
        for plot in (self.epochs, self.mixing):
            style_plot(plot, c)
            plot.clear()
        k = self.curve
        if k is None:
            return
        mixed_colour, base_colour, now_colour = c.group(0), c.muted, c.group(1)
        ep = self.epochs.getPlotItem()
        ep.setTitle("Held-out perplexity per epoch", color=c.text.name())
        ep.setLabel("bottom", "epoch", color=c.muted.name())
        ep.setLabel("left", "perplexity", color=c.muted.name())
        # the legend is a line of text under the plots: inside, it would hide a curve
        self.legend.setText(
            f"<span style='color:{mixed_colour.name()}'>●━</span> with the decoder (α = {k.select_alpha:g}) &nbsp; "
            f"<span style='color:{base_colour.name()}'>╍╍</span> the model alone &nbsp; "
            f"<span style='color:{now_colour.name()}'>◯</span> the best epoch, which training keeps &nbsp; "
            f"<span style='color:{now_colour.name()}'>┃</span> the α answers use now")
        x = np.array(k.epochs, dtype=float)
        y = np.array(k.heldout_ppl, dtype=float)
        finite = np.isfinite(y)
        if finite.any():
            self.epochs.plot(x[finite], y[finite], pen=pg.mkPen(mixed_colour, width=2), symbol="o", symbolSize=7,
                             symbolBrush=mixed_colour, symbolPen=pg.mkPen(c.background),
                             name=f"with the decoder (α = {k.select_alpha:g})")
        if k.base_ppl is not None:
            self.epochs.plot([x[0] - 0.3 if len(x) else 0, x[-1] + 0.3 if len(x) else 1], [k.base_ppl] * 2,
                             pen=pg.mkPen(base_colour, width=2, style=Qt.PenStyle.DashLine), name="model alone")
            tag = pg.TextItem(f"the model alone: {k.base_ppl:.2f}", color=c.text, anchor=(1, 1))
            tag.setPos(x[-1] + 0.3 if len(x) else 1, math.log10(k.base_ppl))   # view coordinates: log10 on this axis
            self.epochs.addItem(tag)
        best = k.best_epoch
        if best is not None:
            self.epochs.plot([best], [k.heldout_ppl[best - 1]], pen=None, symbol="o", symbolSize=15,
                             symbolBrush=None, symbolPen=pg.mkPen(now_colour, width=2), name=f"best: epoch {best}")
        ep.getViewBox().autoRange(padding=0.1)
        ep.setXRange(0.5, max(len(k.epochs), 1) + 0.5, padding=0)
        ep.getAxis("bottom").setTicks([[(e, str(e)) for e in k.epochs]] if len(k.epochs) <= 12 else None)
        self._draw_mixing(c, mixed_colour, now_colour)
        self.caption.setText(self._caption())

    def _draw_mixing(self, c: PlotColours, mixed_colour: QColor, now_colour: QColor) -> None:
        assert self.curve is not None
        k = self.curve
        mp = self.mixing.getPlotItem()
        mp.setTitle("After training: mixing weight α", color=c.text.name())
        mp.setLabel("bottom", "α (0 = the model alone)", color=c.muted.name())
        mp.setLabel("left", "perplexity", color=c.muted.name())
        pts = ([(0.0, k.base_ppl)] if k.base_ppl is not None else []) + list(k.mixed)
        if pts:
            a = np.array([p[0] for p in pts])
            v = np.array([p[1] for p in pts])
            self.mixing.plot(a, v, pen=pg.mkPen(mixed_colour, width=2), symbol="o", symbolSize=7,
                             symbolBrush=mixed_colour, symbolPen=pg.mkPen(c.background))
        alpha = self.alpha if self.alpha is not None else k.alpha
        line = pg.InfiniteLine(pos=alpha, angle=90, pen=pg.mkPen(now_colour, width=2),
                               label=f"α now {alpha:.2f}", labelOpts={"color": now_colour, "position": 0.92,
                                                                        "fill": pg.mkBrush(c.background)})
        mp.addItem(line)
        mp.getViewBox().autoRange(padding=0.12)
        mp.setXRange(0, 1, padding=0.05)

    def _caption(self) -> str:
        k = self.curve
        if k is None:
            return ""
        parts = [f"Lower is better. Held out: {k.positions:,} positions of your texts the decoder never trained on."]
        best = k.best_epoch
        if best is not None and k.base_ppl:
            b = k.heldout_ppl[best - 1]
            parts.append(f"Best epoch {best} of {len(k.epochs)}: {b:.2f} with the decoder against {k.base_ppl:.2f} "
                         f"for the model alone ({(b / k.base_ppl - 1):+.0%}); training keeps that epoch.")
        alpha = self.alpha if self.alpha is not None else k.alpha
        at = [p for a, p in k.mixed if math.isclose(a, alpha, abs_tol=1e-6)]
        if at and k.base_ppl:
            parts.append(f"At α = {alpha:.2f}, answers' perplexity is {at[0]:.2f} ({(at[0] / k.base_ppl - 1):+.0%}).")
        else:
            parts.append(f"Answers now mix at α = {alpha:.2f}.")
        return " ".join(parts)
