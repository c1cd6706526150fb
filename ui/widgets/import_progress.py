"""Import progress per folder, with an ETA for each: the overall bar (``ProgressPanel``) and one row per folder.

A drop-in for ``ProgressPanel`` where imports run (``begin``/``update_progress``/``end``, ``label``):
given the paths being imported, ``begin`` plans them off the GUI thread (``core.insights.import_progress.plan``
scans them as the import does) and each progress report then moves the folder rows
(``ImportTracker``): how much of each folder is read, and when it will be done.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from core.insights.import_progress import FolderPlan, FolderRow, ImportTracker, plan
from core.jobs import Progress
from ui.widgets.progress_panel import ProgressPanel, format_eta
from ui.workers import Job

STATE_TEXT = {"waiting": "waiting", "done": "done"}


class ImportProgress(QWidget):
    """Hidden until ``begin``; the overall bar and ETA on top, the folders below it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        self.panel = ProgressPanel()
        col.addWidget(self.panel)
        self.folders = QWidget()
        self.grid = QGridLayout(self.folders)
        self.grid.setContentsMargins(0, 0, 0, 4)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(2)
        self.grid.setColumnStretch(1, 1)
        col.addWidget(self.folders)
        self.tracker: ImportTracker | None = None
        self.rows: list[FolderRow] = []
        self._cells: list[tuple[QLabel, QProgressBar, QLabel, QLabel]] = []
        self._last: Progress | None = None
        self._started = 0.0
        self._plan_job: Job[Any] | None = None
        self._active = False
        self.hide()

    @property
    def label(self) -> QLabel:
        return self.panel.label

    def begin(self, message: str, on_cancel: Callable[[], Any] | None = None, paths: Sequence[str | Path] = (),
              include_hidden: bool = False, max_bytes: int | None = None) -> None:
        """Show the bar; with ``paths`` (what is being imported), also a row per folder once they are planned."""
        self.panel.begin(message, on_cancel)
        self._started = time.monotonic()
        self.tracker, self.rows, self._last = None, [], None
        self._set_rows([])
        self.folders.hide()
        self._active = True
        self.show()
        if paths:
            todo = [Path(p) for p in paths]
            self._plan_job = (Job(self, lambda ctx: plan(todo, include_hidden, max_bytes), "Planning the import")
                              .success(self.set_plan)
                              .failure(lambda exc: None)   # the rows are a bonus: the import reports its own errors
                              .start())

    def set_plan(self, plans: Sequence[FolderPlan]) -> None:
        if not self._active:   # the import ended before its plan was ready
            return
        self.tracker = ImportTracker(plans, started=self._started)
        if self._last is not None:
            self.rows = self.tracker.update(self._last)
        else:
            self.rows = self.tracker.rows()
        self._set_rows(self.rows)
        self.folders.setVisible(bool(plans))

    def update_progress(self, p: Progress) -> None:
        self.panel.update_progress(p)
        self._last = p
        if self.tracker is not None:
            self.rows = self.tracker.update(p)
            self._set_rows(self.rows)
            reading = next((r.current for r in self.rows if r.current == p.message), "")
            if reading:
                self.panel.label.setText(f"Reading {Path(reading).name}")

    def end(self) -> None:
        self.panel.end()
        self.tracker, self._active = None, False
        self.hide()

    # ---- rows ------------------------------------------------------------------------------------
    def _set_rows(self, rows: Sequence[FolderRow]) -> None:
        while len(self._cells) < len(rows):
            r = len(self._cells)
            name, bar, files, eta = QLabel(), QProgressBar(), QLabel(), QLabel()
            bar.setRange(0, 1000)
            bar.setTextVisible(False)
            bar.setMaximumHeight(10)
            eta.setMinimumWidth(110)
            for c, w in enumerate((name, bar, files, eta)):
                self.grid.addWidget(w, r, c)
            self._cells.append((name, bar, files, eta))
        for i, cells in enumerate(self._cells):
            for w in cells:
                w.setVisible(i < len(rows))
        names = _names([r.folder for r in rows])
        for row, label, (name, bar, files, eta) in zip(rows, names, self._cells):
            name.setText(label)
            name.setToolTip(row.folder + (f"\nreading {Path(row.current).name}" if row.current else ""))
            bar.setValue(int(round(row.fraction * 1000)))
            files.setText(f"{row.files_done} of {row.files_total} files")
            if row.state in STATE_TEXT:
                eta.setText(STATE_TEXT[row.state] if row.state == "done" or row.eta_s is None
                            else f"waiting · {format_eta(row.eta_s).removesuffix(' left')}")
            else:
                eta.setText(format_eta(row.eta_s) if row.eta_s is not None else "reading…")


def _names(folders: Sequence[str]) -> list[str]:
    """Each folder's name, with as many parent folders as it takes to tell two apart ("fiona/docs", "kat/docs")."""
    parts = [Path(f).parts for f in folders]
    depth = [1] * len(folders)
    for _ in range(4):
        shown = ["/".join(p[-d:]) for p, d in zip(parts, depth)]
        clash = {n for n in shown if shown.count(n) > 1}
        if not clash:
            break
        depth = [d + 1 if n in clash else d for n, d in zip(shown, depth)]
    return ["/".join(p[-d:]) or f for p, d, f in zip(parts, depth, folders)]
