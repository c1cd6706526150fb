"""The status bar's model indicator: loading (with a busy bar), ready (name, GPU layers, speed) or failed."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

if TYPE_CHECKING:
    from models.llm import ModelInfo


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
        self.info: ModelInfo | None = None

    def loading(self, what: str = "Loading the model…") -> None:
        self.state = "loading"
        self.busy.show()
        self.label.setText(what)
        self.label.setToolTip("The model loads in the background; you can already type and browse.")

    def ready(self, info: ModelInfo) -> None:
        self.state = "ready"
        self.info = info
        self.busy.hide()
        name = Path(info.path).stem if info.path else info.name
        if not info.gpu_offload_supported:
            gpu = "CPU only"
        elif info.n_layers:
            gpu = f"GPU layers {info.layers_offloaded}/{info.n_layers}"
        else:
            gpu = f"GPU layers {info.layers_offloaded}"
        self.label.setText(f"Model: {name} · {gpu}")
        self.label.setToolTip(f"{info.name}\n{info.path}\nContext: {info.n_ctx} tokens")

    def failed(self, message: str) -> None:
        self.state = "failed"
        self.busy.hide()
        self.label.setText("Model: failed to load — see the message above")
        self.label.setToolTip(message)

    def set_speed(self, tokens_per_s: float) -> None:
        self.speed.setText(f"· {tokens_per_s:.1f} tokens/s" if tokens_per_s else "")
