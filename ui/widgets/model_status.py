"""The status bar's model indicator: loading (with a busy bar), ready (name, GPU layers, speed) or failed."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget


class ModelStatus(QWidget):
    """``loading()``, ``ready(info)``, ``failed(message)``, ``set_speed(tokens_per_s)``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 6, 0)
        row.setSpacing(8)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setFixedWidth(80)
        self.busy.setFixedHeight(12)
        self.busy.setTextVisible(False)
        self.label = QLabel("Model: not loaded")
        self.speed = QLabel("")
        row.addWidget(self.busy)
        row.addWidget(self.label)
        row.addWidget(self.speed)
        self.busy.hide()
        self.state = "idle"
        self.info: Any = None

    def loading(self, what: str = "Loading the model…") -> None:
        self.state = "loading"
        self.busy.show()
        self.label.setText(what)
        self.label.setToolTip("The model loads in the background; you can already type and browse.")

    def ready(self, info: Any) -> None:
        self.state = "ready"
        self.info = info
        self.busy.hide()
        from pathlib import Path

        path = str(getattr(info, "path", "") or "")
        name = Path(path).stem if path else getattr(info, "name", "model")
        n_layers = getattr(info, "n_layers", 0)
        offloaded = getattr(info, "layers_offloaded", 0)
        if getattr(info, "gpu_offload_supported", True) is False:
            gpu = "CPU only"
        else:
            gpu = f"GPU layers {offloaded}/{n_layers}" if n_layers else f"GPU layers {offloaded}"
        self.label.setText(f"Model: {name} · {gpu}")
        self.label.setToolTip(f"{getattr(info, 'name', '')}\n{path}\nContext: {getattr(info, 'n_ctx', '?')} tokens")

    def failed(self, message: str) -> None:
        self.state = "failed"
        self.busy.hide()
        self.label.setText("Model: failed to load — see the message above")
        self.label.setToolTip(message)

    def set_speed(self, tokens_per_s: float) -> None:
        self.speed.setText(f"· {tokens_per_s:.1f} tokens/s" if tokens_per_s else "")
