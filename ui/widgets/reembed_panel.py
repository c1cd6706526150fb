"""The re-embed panel of the settings pane: after the embedder changed, says how many stored items need new
vectors and re-embeds them as a job with progress (Cancel stops it; starting again goes on where it stopped)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.jobs import Progress
from ui.widgets.progress_panel import ProgressPanel
from ui.workers import Job, JobContext

if TYPE_CHECKING:
    from core.store.reembed import ReembedPlan, ReembedReport, Reembedder


class ReembedPanel(QWidget):
    """Hidden while every stored vector comes from the embedder now set."""

    finished = Signal(object)   # the ReembedReport, or None when checking found nothing to do

    def __init__(self, reembedder: "Reembedder") -> None:
        super().__init__()
        self.reembedder = reembedder
        self.plan: ReembedPlan | None = None
        self.job: Job[object] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.start_button = QPushButton("Re-embed now")
        self.start_button.setToolTip("Embed the stored documents, memories and topics again with the embedder now "
                                     "set (you can cancel and continue later)")
        self.start_button.clicked.connect(self.start)
        row.addWidget(self.label, 1)
        row.addWidget(self.start_button)
        layout.addLayout(row)
        self.progress = ProgressPanel()
        layout.addWidget(self.progress)
        self.hide()

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def check(self) -> None:
        """Count what needs re-embedding (off the GUI thread: it loads the embedder) and say so."""
        if self.running:
            return
        self.job = Job(self, lambda ctx: self.reembedder.plan(), "Checking the stored vectors").success(self._planned)
        self.job.start()

    def _planned(self, plan: object) -> None:
        self.plan = plan  # type: ignore[assignment]
        assert self.plan is not None
        if not self.plan.total:
            self.hide()
            self.finished.emit(None)
            return
        self.label.setText(f"<b>The embedder changed.</b> {self.plan.describe()} Until then, search and memories "
                           "leave out what the old embedder made.")
        self.start_button.setEnabled(True)
        self.show()

    def start(self) -> None:
        if self.running:
            return
        self.start_button.setEnabled(False)
        self.progress.begin("Re-embedding…", on_cancel=lambda: self.job.cancel() if self.job else None)
        self.job = (Job(self, self._run, "Re-embedding")
                    .progress(self._on_progress)
                    .success(self._done)
                    .finally_(self._ended))
        self.job.start()

    def _run(self, ctx: JobContext) -> "ReembedReport":
        return self.reembedder.run(progress=ctx.progress, cancel=ctx.cancel)

    def _on_progress(self, p: Progress) -> None:
        self.progress.update_progress(p)

    def _done(self, report: object) -> None:
        self.hide()
        self.finished.emit(report)

    def _ended(self) -> None:
        self.progress.end()
        self.start_button.setEnabled(True)   # after a cancel or an error: start again to go on
