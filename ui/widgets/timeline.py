"""The Timeline tab: what Mnemo learned and when — facts, memories and imports, with their sources.

Rows come from ``core.insights.timeline`` (read off the GUI thread) and are filtered with its
``filter_events`` (kinds and words). The picture is a pyqtgraph strip: time across, one lane per
kind; below it the same events as a list. Clicking a point selects its row; opening a row shows a
fact or memory in the Memory pane and opens an imported document.
"""
from __future__ import annotations

import zlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QIcon
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QHeaderView, QLabel, QSplitter, QStackedWidget,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from core.errors import MnemoError
from core.insights.timeline import KINDS, filter_events
from ui.widgets.empty_state import EmptyState
from ui.widgets.plot_style import colours, restyle_on_palette_change, style_plot, swatch
from ui.widgets.search_field import search_field
from ui.workers import Job, report_error

if TYPE_CHECKING:
    from core.insights.timeline import TimelineEvent

LANES = {"import": 0, "memory": 1, "fact": 2}
LABELS = {"fact": "Facts", "memory": "Memories", "import": "Imports"}
SYMBOLS = {"fact": "s", "memory": "d", "import": "o"}
REF_ROLE = Qt.ItemDataRole.UserRole
MIN_SPAN_S = 3600.0


def _when(t: datetime) -> str:
    return t.astimezone().strftime("%d %b %Y %H:%M")


def _jitter(ref: str) -> float:
    """A small, stable vertical offset, so events of the same minute do not hide each other."""
    return ((zlib.crc32(ref.encode()) % 1000) / 1000 - 0.5) * 0.5


def _short_source(e: TimelineEvent) -> str:
    """An imported file as its folder and name ("Notes/journal.md"); the full path is the cell's tooltip."""
    if e.kind != "import":
        return e.source
    parts = Path(e.source).parts
    return "/".join(parts[-2:]) if len(parts) > 2 else e.source


class TimelineView(QWidget):
    """Kind switches and a word filter; the strip; the list."""

    show_in_memory = Signal(str)   # "fact:email", "memory:4"
    drawn = Signal()

    def __init__(self, load: Callable[[], list[TimelineEvent]]) -> None:
        super().__init__()
        self._load = load
        self.events: list[TimelineEvent] = []
        self.shown: list[TimelineEvent] = []
        self.job: Job[Any] | None = None
        self._icons: dict[str, QIcon] = {}
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 8, 8)
        row = QHBoxLayout()
        self.kind_boxes: dict[str, QCheckBox] = {}
        for kind in ("fact", "memory", "import"):
            box = QCheckBox(LABELS[kind])
            box.setChecked(True)
            box.toggled.connect(lambda _: self.apply_filter())
            self.kind_boxes[kind] = box
            row.addWidget(box)
        self.search = search_field("Filter by words (a key, a file, a chat…)", on_change=self.apply_filter)
        row.addWidget(self.search, 1)
        col.addLayout(row)
        self.summary = QLabel()
        col.addWidget(self.summary)
        axis = pg.DateAxisItem(orientation="bottom")
        self.plot = pg.PlotWidget(axisItems={"bottom": axis})
        self.plot.setMenuEnabled(False)
        self.plot.setMinimumHeight(150)
        item = self.plot.getPlotItem()
        item.setMouseEnabled(x=True, y=False)
        item.getAxis("left").setTicks([[(LANES[k], LABELS[k]) for k in KINDS]])
        item.setYRange(-0.6, 2.6, padding=0)
        self.scatter = pg.ScatterPlotItem(size=9, hoverable=True, tip=self._tip, hoverSize=13)
        self.scatter.sigClicked.connect(self._clicked)
        self.plot.addItem(self.scatter)
        self.list = self._event_list()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plot)
        split.addWidget(self.list)
        split.setSizes([200, 320])
        split.setChildrenCollapsible(False)
        self.empty = EmptyState("Nothing learned yet",
                                "Import a folder or talk with Mnemo: each fact it finds, each memory it keeps and each "
                                "document it reads appears here, with when and where from.")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(split)
        col.addWidget(self.stack, 1)
        restyle_on_palette_change(self, self._draw)

    def _event_list(self) -> QTreeWidget:
        """The events as rows: when, kind, what, where from; Enter or a double-click opens one."""
        tree = QTreeWidget()
        tree.setHeaderLabels(["When", "Kind", "What", "Source"])
        tree.setRootIsDecorated(False)
        tree.setUniformRowHeights(True)
        tree.setAlternatingRowColors(True)
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(3, 240)
        tree.itemActivated.connect(lambda it, _c: self.open_event(int(it.data(0, REF_ROLE))))
        return tree

    # ---- data ------------------------------------------------------------------------------------
    def refresh(self) -> Job[Any] | None:
        if self.job is not None and self.job.running:
            return self.job
        self.job = (Job(self, lambda ctx: self._load(), "Reading the timeline")
                    .success(self.set_events)
                    .failure(lambda exc: report_error(self, exc, "Reading the timeline"))
                    .start())
        return self.job

    def set_events(self, events: Sequence[TimelineEvent]) -> None:
        self.events = list(events)
        self.stack.setCurrentIndex(1 if self.events else 0)
        self.apply_filter()
        self._fit_time()

    def _fit_time(self) -> None:
        """Every event in view, and at least an hour across, so the axis reads as dates and times, not seconds."""
        if not self.events:
            return
        times = [e.when.timestamp() for e in self.events]
        lo, hi = min(times), max(times)
        span = max(hi - lo, MIN_SPAN_S)
        mid = (lo + hi) / 2
        self.plot.getPlotItem().setXRange(mid - span / 2, mid + span / 2, padding=0.04)
        self.plot.getPlotItem().setYRange(-0.6, 2.6, padding=0)

    def kinds(self) -> list[str]:
        return [k for k, box in self.kind_boxes.items() if box.isChecked()]

    def apply_filter(self) -> None:
        self.shown = filter_events(self.events, self.kinds(), self.search.text())
        counts = {k: sum(1 for e in self.shown if e.kind == k) for k in KINDS}
        self.summary.setText(f"{len(self.shown)} of {len(self.events)} events: " + ", ".join(
            f"{counts[k]} {LABELS[k].lower()}" for k in ("fact", "memory", "import")))
        self.list.clear()
        self._draw()
        self.list.addTopLevelItems([self._row(i, e) for i, e in enumerate(self.shown)])
        self.drawn.emit()

    def _row(self, i: int, e: TimelineEvent) -> QTreeWidgetItem:
        item = QTreeWidgetItem([_when(e.when), LABELS[e.kind][:-1] if e.kind != "memory" else "Memory",
                                f"{e.title} — {e.detail}" if e.detail else e.title, _short_source(e)])
        item.setData(0, REF_ROLE, i)
        if e.kind in self._icons:
            item.setIcon(1, self._icons[e.kind])
        item.setToolTip(2, f"{e.title}\n{e.detail}")
        item.setToolTip(3, e.source)
        return item

    # ---- drawing ---------------------------------------------------------------------------------
    def _draw(self) -> None:
        c = colours(self)
        style_plot(self.plot, c)
        colour = {k: c.group(i) for i, k in enumerate(("fact", "memory", "import"))}
        self._icons = {k: swatch(colour[k], SYMBOLS[k]) for k in colour}
        for kind, box in self.kind_boxes.items():
            box.setIcon(self._icons[kind])
        for i in range(self.list.topLevelItemCount()):   # a theme change recolours the list's marks too
            item = self.list.topLevelItem(i)
            item.setIcon(1, self._icons[self.shown[int(item.data(0, REF_ROLE))].kind])
        if not self.shown:
            self.scatter.clear()
            return
        self.scatter.setData(
            x=np.array([e.when.timestamp() for e in self.shown]),
            y=np.array([LANES[e.kind] + _jitter(e.ref) for e in self.shown]),
            symbol=[SYMBOLS[e.kind] for e in self.shown], brush=[pg.mkBrush(colour[e.kind]) for e in self.shown],
            pen=pg.mkPen(c.background, width=0.8), data=list(range(len(self.shown))))

    def _tip(self, x: float, y: float, data: Any) -> str:
        if data is None or int(data) >= len(self.shown):
            return ""
        e = self.shown[int(data)]
        return f"{_when(e.when)} · {LABELS[e.kind][:-1] if e.kind != 'memory' else 'Memory'}\n{e.title}\nfrom {e.source}"

    def _clicked(self, _item: Any, points: Any, _ev: Any) -> None:
        if len(points):
            self.select(int(points[0].data()))

    def select(self, index: int) -> None:
        item = self.list.topLevelItem(index)
        if item is not None:
            self.list.setCurrentItem(item)
            self.list.scrollToItem(item)

    def open_event(self, index: int) -> None:
        """A fact or memory is shown in the Memory pane; a document is opened."""
        e = self.shown[index]
        kind, _, ident = e.ref.partition(":")
        if kind in ("fact", "memory"):
            self.show_in_memory.emit(e.ref)
            return
        path = e.source
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
            report_error(self, MnemoError(f"{path} could not be opened.",
                                          "The file may have moved or been deleted; import it again from its new place."),
                         "Opening the document")
