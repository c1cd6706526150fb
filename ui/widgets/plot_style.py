"""Colours and styling of the pyqtgraph pictures, read from the widget's QPalette when drawn.

The pictures take their background, text and grid from the palette (``ui.theme`` sets it, light or
dark), so they follow a theme change; ``restyle_on_palette_change`` redraws them when it happens.
Group colours are Tableau 10 on a light background and the same hues lightened on a dark one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap, QPolygonF
from PySide6.QtWidgets import QWidget

TABLEAU = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac")


@dataclass(frozen=True)
class PlotColours:
    background: QColor
    text: QColor
    muted: QColor
    grid: QColor
    accent: QColor
    dark: bool

    def group(self, i: int) -> QColor:
        c = QColor(TABLEAU[i % len(TABLEAU)])
        return c.lighter(125) if self.dark else c.darker(108)


def colours(widget: QWidget) -> PlotColours:
    pal = widget.palette()
    bg = pal.color(QPalette.ColorRole.Base)
    text = pal.color(QPalette.ColorRole.Text)
    dark = bg.lightness() < 128
    muted = pal.color(QPalette.ColorRole.PlaceholderText)
    grid = QColor(text)
    grid.setAlpha(40)
    return PlotColours(bg, text, muted, grid, pal.color(QPalette.ColorRole.Highlight), dark)


def style_plot(plot: object, c: PlotColours) -> None:
    """Background, axes and grid of a ``pyqtgraph.PlotWidget`` in the palette's colours."""
    import pyqtgraph as pg

    assert isinstance(plot, pg.PlotWidget)
    plot.setBackground(c.background)
    item = plot.getPlotItem()
    for name in ("left", "bottom", "top", "right"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(c.muted))
        axis.setTextPen(pg.mkPen(c.text))
    item.showGrid(x=True, y=True, alpha=0.15)


class _PaletteWatch(QObject):
    def __init__(self, widget: QWidget, redraw: Callable[[], None]) -> None:
        super().__init__(widget)
        self._redraw = redraw

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._redraw()
        return False


def restyle_on_palette_change(widget: QWidget, redraw: Callable[[], None]) -> None:
    """Call ``redraw()`` whenever ``widget``'s palette changes (the theme switched)."""
    widget.installEventFilter(_PaletteWatch(widget, redraw))


def swatch(colour: QColor, symbol: str = "s", size: int = 12) -> QIcon:
    """A small icon of a plot's marker ("s" square, "o" dot, "d" diamond) in ``colour``, for legends."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    m = size / 2
    if symbol == "o":
        p.drawEllipse(QPointF(m, m), m - 1, m - 1)
    elif symbol == "d":
        p.drawPolygon(QPolygonF([QPointF(m, 0), QPointF(size, m), QPointF(m, size), QPointF(0, m)]))
    else:
        p.drawRect(1, 1, size - 2, size - 2)
    p.end()
    return QIcon(pix)
