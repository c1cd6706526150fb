"""A progress bar with a message, the time left (ETA) and a Cancel button, for one running job."""
from __future__ import annotations

import time

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from core.jobs import Progress


def format_eta(seconds: float) -> str:
    if seconds < 1:
        return "almost done"
    if seconds < 60:
        return f"about {int(seconds)} s left"
    minutes = seconds / 60
    if minutes < 60:
        return f"about {int(round(minutes))} min left"
    return f"about {minutes / 60:.1f} h left"


class ProgressPanel(QWidget):
    """Hidden until ``begin``; ``update(Progress)`` moves the bar and the ETA; Cancel calls ``on_cancel``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 4)
        row.setSpacing(8)
        self.label = QLabel()
        self.label.setMinimumWidth(160)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.eta = QLabel()
        self.eta.setMinimumWidth(110)
        self.cancel_button = QPushButton("Cancel")
        row.addWidget(self.label, 2)
        row.addWidget(self.bar, 3)
        row.addWidget(self.eta)
        row.addWidget(self.cancel_button)
        self._t0 = 0.0
        self.cancel_button.clicked.connect(self._cancel)
        self._on_cancel = None
        self.hide()

    def begin(self, message: str, on_cancel=None) -> None:  # noqa: ANN001
        self._t0 = time.monotonic()
        self._on_cancel = on_cancel
        self.label.setText(message)
        self.bar.setRange(0, 0)
        self.eta.setText("")
        self.cancel_button.setEnabled(on_cancel is not None)
        self.cancel_button.setText("Cancel")
        self.show()

    def update_progress(self, p: Progress) -> None:
        if p.message:
            self.label.setText(p.message)
        if p.total:
            self.bar.setRange(0, p.total)
            self.bar.setValue(min(p.done, p.total))
            self.bar.setFormat(f"{p.done} of {p.total}")
            elapsed = time.monotonic() - self._t0
            eta = (p.extra or {}).get("eta_s")
            if eta is None and p.done > 0:
                eta = elapsed / p.done * (p.total - p.done)
            if eta is not None and elapsed > 0.5:
                self.eta.setText(format_eta(float(eta)))
        else:
            self.bar.setRange(0, 0)

    def end(self) -> None:
        self._on_cancel = None
        self.hide()

    def _cancel(self) -> None:
        if self._on_cancel is not None:
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Cancelling…")
            self._on_cancel()
