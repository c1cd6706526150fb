"""A cited source in full: where it comes from, the text the model saw, and a way to open it."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

KIND_NAMES = {"passage": "Document passage", "memory": "Memory", "fact": "Profile fact"}


class SourceDialog(QDialog):
    """Shows one source dict (kind, ref, text, source, score, meta) of a chat answer."""

    open_document = Signal(str, int)   # path, page (0 = unknown)
    show_in_memory = Signal(str)       # ref, e.g. "memory:4"

    def __init__(self, source: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        kind = str(source.get("kind", ""))
        self.setWindowTitle(f"Source [{source.get('n', '?')}]")
        self.resize(560, 380)
        layout = QVBoxLayout(self)
        head = QLabel(f"<b>{KIND_NAMES.get(kind, kind.title() or 'Source')}</b> — {source.get('source', '')}")
        head.setWordWrap(True)
        head.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(head)
        text = QPlainTextEdit(str(source.get("text", "")))
        text.setReadOnly(True)
        layout.addWidget(text, 1)
        cited = "cited in the answer" if source.get("cited") else "shown to the model, not cited"
        layout.addWidget(QLabel(f"<span style='color:gray'>Relevance {float(source.get('score', 0)):.2f} · {cited}</span>"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        meta = source.get("meta") or {}
        path = str(meta.get("path") or "")
        if path:
            page = int(meta.get("page") or 0)
            b = QPushButton(f"Open document{f' at page {page}' if page else ''}")
            b.clicked.connect(lambda: self.open_document.emit(path, page))
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        ref = str(source.get("ref", ""))
        if kind in ("memory", "fact") or ref.startswith(("memory:", "fact:")):
            b = QPushButton("Show in Memory")
            b.clicked.connect(lambda: (self.show_in_memory.emit(ref), self.accept()))
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(buttons)
