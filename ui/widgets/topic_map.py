"""The Topic map tab: memories and document passages as points on a map of their embeddings.

The rows come from ``core.insights.topic_map`` (computed off the GUI thread): 2-D points, their
topic and its label. This view only draws them with pyqtgraph: one colour per topic, passages as
dots and memories as diamonds, each topic's name at its centre, a legend that highlights a
topic's points, and a click on a point that opens the item (``SourceDialog``: the passage with
"Open document", the memory with "Show in Memory").
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QSplitter,
                               QStackedWidget, QVBoxLayout, QWidget)

from core.errors import MnemoError
from ui.widgets.empty_state import EmptyState
from ui.widgets.plot_style import colours, restyle_on_palette_change, style_plot, swatch
from ui.widgets.source_dialog import SourceDialog
from ui.workers import Job, report_error

if TYPE_CHECKING:
    from core.insights.topic_map import MapPoint, TopicMap

SYMBOLS = {"passage": "o", "memory": "d"}


def _short(text: str, n: int = 160) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


class TopicMapView(QWidget):
    """The map, its legend and a summary line; ``refresh`` recomputes it, ``show_map`` draws given rows."""

    show_memory = Signal(str)   # "memory:4": the memory pane shows it
    drawn = Signal()            # after show_map (tests)

    def __init__(self, load: Callable[[], TopicMap]) -> None:
        super().__init__()
        self._load = load
        self.map: TopicMap | None = None
        self.job: Job[Any] | None = None
        self.dialog: SourceDialog | None = None
        self.highlight: int | None = None
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        self.refresh_button = QPushButton("Redraw")
        self.refresh_button.setToolTip("Read the stored memories and passages again and redraw the map")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)
        col.addLayout(top)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        item = self.plot.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.setAspectLocked(False)
        self.scatter = pg.ScatterPlotItem(size=9, hoverable=True, tip=self._tip, hoverSize=13)
        self.scatter.sigClicked.connect(self._clicked)
        self.plot.addItem(self.scatter)
        self.labels: list[pg.TextItem] = []
        self._label_at: list[tuple[float, float, int]] = []   # each label's topic centre and size
        self.plot.getPlotItem().getViewBox().sigResized.connect(lambda *_: self._place_labels())
        self.plot.getPlotItem().getViewBox().sigRangeChangedManually.connect(lambda *_: self._place_labels())
        self.legend = QListWidget()
        self.legend.setMaximumWidth(260)
        self.legend.setMinimumWidth(180)
        self.legend.setTextElideMode(Qt.TextElideMode.ElideRight)     # the full label is in the tooltip
        self.legend.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.legend.currentRowChanged.connect(self._highlight)
        split = QSplitter()
        split.addWidget(self.plot)
        split.addWidget(self.legend)
        split.setStretchFactor(0, 1)
        split.setChildrenCollapsible(False)
        self.empty = EmptyState("Nothing to map yet",
                                "Import documents or talk with Mnemo: each passage and memory becomes a point here, "
                                "close to the ones about the same things, grouped into topics.")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(split)
        col.addWidget(self.stack, 1)
        hint = QLabel("Dots are document passages, diamonds are memories. Hover for a preview, click to open; pick a "
                      "topic on the right to pick out its points.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")
        col.addWidget(hint)
        restyle_on_palette_change(self, self._redraw)

    # ---- data ------------------------------------------------------------------------------------
    def refresh(self) -> Job[Any] | None:
        """Compute the map off the GUI thread, then draw it."""
        if self.job is not None and self.job.running:
            return self.job
        self.refresh_button.setEnabled(False)
        self.summary.setText("Reading the stored embeddings…")
        self.job = (Job(self, lambda ctx: self._load(), "Drawing the topic map")
                    .success(self.show_map)
                    .failure(lambda exc: report_error(self, exc, "Drawing the topic map"))
                    .finally_(lambda: self.refresh_button.setEnabled(True))
                    .start())
        return self.job

    def show_map(self, m: TopicMap) -> None:
        self.map = m
        self.highlight = None
        self.legend.blockSignals(True)
        self.legend.clear()
        self.legend.blockSignals(False)
        if not m.points:
            self.stack.setCurrentWidget(self.empty)
            self.summary.setText(m.note)
            self.scatter.clear()
            self.drawn.emit()
            return
        self.stack.setCurrentIndex(1)
        n_mem = sum(1 for p in m.points if p.kind == "memory")
        persona = sum(1 for c in m.clusters if c.persona_topic is not None)
        what = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((len(m.points) - n_mem, "passage"), (n_mem, "memory"))
                if n]
        topics = f"{len(m.clusters)} topic{'s' if len(m.clusters) != 1 else ''}" + (
            f" ({persona} from your profile)" if persona else "")
        self.summary.setText(" · ".join([" and ".join(what).replace("memorys", "memories"), topics,
                                         f"{m.method} of their embeddings, the axes hold {m.explained[0]:.0%} and "
                                         f"{m.explained[1]:.0%} of the spread"] + ([m.note] if m.note else [])))
        self._redraw()
        self.plot.getPlotItem().getViewBox().autoRange(padding=0.06)
        self._place_labels()
        self.drawn.emit()

    # ---- drawing ---------------------------------------------------------------------------------
    def _redraw(self) -> None:
        c = colours(self)
        style_plot(self.plot, c)
        m = self.map
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels, self._label_at = [], []
        if m is None or not m.points:
            return
        groups = [c.group(i) for i in range(len(m.clusters))]
        dim = QColor(c.muted)
        dim.setAlpha(60)
        faded = pg.mkBrush(dim)
        solid = []
        for g in groups:   # one brush per topic, shared by its points (pyqtgraph caches a spot per style)
            colour = QColor(g)
            colour.setAlpha(215)
            solid.append(pg.mkBrush(colour))
        on = [self.highlight is None or p.cluster == self.highlight for p in m.points]
        self.scatter.setData(x=np.array([p.x for p in m.points]), y=np.array([p.y for p in m.points]),
                             symbol=[SYMBOLS.get(p.kind, "o") for p in m.points],
                             brush=[solid[p.cluster] if o else faded for p, o in zip(m.points, on)],
                             pen=pg.mkPen(c.background, width=0.8),
                             size=[14 if p.kind == "memory" else 10 for p in m.points], data=list(range(len(m.points))))
        fill = QColor(c.background)
        fill.setAlpha(150)
        for i, cl in enumerate(m.clusters):
            if cl.size == 0 or (self.highlight is not None and i != self.highlight):
                continue
            text = pg.TextItem(cl.label, color=groups[i].darker(135) if not c.dark else groups[i].lighter(115),
                               anchor=(0.5, 0.5), fill=pg.mkBrush(fill))
            font = text.textItem.font()
            font.setBold(True)
            text.setFont(font)
            text.setPos(cl.x, cl.y)
            text.setZValue(-1)   # under the points: a label never hides one
            self.plot.addItem(text)
            self.labels.append(text)
            self._label_at.append((cl.x, cl.y, cl.size))
        self._place_labels()
        self._fill_legend(groups)

    def _place_labels(self) -> None:
        """Each label at its topic's centre, moved down until it overlaps no bigger topic's label (in pixels)."""
        vb = self.plot.getPlotItem().getViewBox()
        pw, ph = vb.viewPixelSize()
        if not self.labels or pw <= 0 or ph <= 0:
            return
        placed: list[tuple[float, float, float, float]] = []
        order = sorted(range(len(self.labels)), key=lambda i: -self._label_at[i][2])
        for i in order:
            text, (x, y, _) = self.labels[i], self._label_at[i]
            rect = text.boundingRect()
            w, h = rect.width() * pw, rect.height() * ph
            for _ in range(12):
                if not any(abs(x - qx) < (w + qw) / 2 and abs(y - qy) < (h + qh) / 2 for qx, qy, qw, qh in placed):
                    break
                y -= h * 1.05
            placed.append((x, y, w, h))
            text.setPos(x, y)

    def _fill_legend(self, groups: list[QColor]) -> None:
        """Row 0 shows every topic; row i + 1 picks out topic i."""
        m = self.map
        if m is None:
            return
        if self.legend.count() == len(m.clusters) + 1:
            for i in range(len(m.clusters)):
                self.legend.item(i + 1).setIcon(swatch(groups[i]))
            return
        self.legend.blockSignals(True)
        self.legend.clear()
        self.legend.addItem(QListWidgetItem(f"All topics  ({len(m.points)})"))
        for i, cl in enumerate(m.clusters):
            origin = "a topic of your profile" if cl.persona_topic is not None else "grouped by similarity"
            item = QListWidgetItem(swatch(groups[i]), f"{cl.label}  ({cl.size})")
            item.setToolTip(f"{cl.label}: {cl.size} items, {origin}"
                            + (f"; distinctive words: {', '.join(cl.words)}" if cl.words else ""))
            self.legend.addItem(item)
        self.legend.setCurrentRow(0 if self.highlight is None else self.highlight + 1)
        self.legend.blockSignals(False)

    def _highlight(self, row: int) -> None:
        self.highlight = row - 1 if row >= 1 else None
        self._redraw()

    # ---- points ----------------------------------------------------------------------------------
    def point(self, index: int) -> MapPoint:
        assert self.map is not None
        return self.map.points[index]

    def _tip(self, x: float, y: float, data: Any) -> str:
        if self.map is None or data is None:
            return ""
        p = self.map.points[int(data)]
        kind = "Memory" if p.kind == "memory" else "Passage"
        return f"{kind} — {p.source}\n{_short(p.text)}\n({self.map.clusters[p.cluster].label})"

    def _clicked(self, _item: Any, points: Any, _ev: Any) -> None:
        if len(points):
            self.open_point(int(points[0].data()))

    def open_point(self, index: int) -> SourceDialog:
        """Open the memory or passage at ``index`` in a dialog (what a click does)."""
        p = self.point(index)
        source = {"kind": p.kind, "ref": p.ref, "text": p.text, "source": p.source, "meta": dict(p.meta),
                  "n": self.map.clusters[p.cluster].label if self.map else ""}
        dialog = SourceDialog(source, self)
        dialog.setWindowTitle("Memory" if p.kind == "memory" else "Document passage")
        for label in dialog.findChildren(QLabel):   # the dialog's relevance line belongs to chat answers
            if "Relevance" in label.text():
                label.hide()
        dialog.show_in_memory.connect(self.show_memory.emit)
        dialog.open_document.connect(self._open_document)
        dialog.show()
        self.dialog = dialog
        return dialog

    def _open_document(self, path: str, page: int) -> None:
        url = QUrl.fromLocalFile(path)
        if page and path.lower().endswith(".pdf"):
            url.setFragment(f"page={page}")
        if not QDesktopServices.openUrl(url):
            report_error(self, MnemoError(f"No program could open {path}.",
                                          "Check that the file still exists, or open it from your file manager."),
                         "Opening the document")
