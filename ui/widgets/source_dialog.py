"""A cited source in full (where it comes from, the text the model saw, a way to open it), and the list of
every note the model was shown for one answer, cited or not."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QPushButton, QSplitter, QVBoxLayout, QWidget)

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
        note = QLabel(f"Relevance {float(source.get('score', 0)):.2f} · {cited}")
        note.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(note)
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


def shown_label(source: dict[str, Any]) -> str:
    kind = KIND_NAMES.get(str(source.get("kind", "")), "Source")
    mark = "cited" if source.get("cited") else "not cited"
    return f"[{source.get('n', '?')}] {source.get('source') or kind} · {kind} · {mark}"


class ShownDialog(QDialog):
    """What the model was shown for one answer: every source, the cited ones first; the text of the picked one.
    Double-click (or Open) shows it as a source, with its way to the document or the memory."""

    open_source = Signal(dict)

    def __init__(self, sources: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sources = sorted(sources, key=lambda s: (not s.get("cited"), int(s.get("n") or 0)))
        cited = sum(1 for s in sources if s.get("cited"))
        self.setWindowTitle("What the model was shown")
        self.resize(640, 460)
        layout = QVBoxLayout(self)
        head = QLabel(f"The model was shown {len(sources)} note{'s' if len(sources) != 1 else ''} for this answer "
                      f"and cited {cited}. Uncited notes were shown but not used.")
        head.setWordWrap(True)
        layout.addWidget(head)
        self.list = QListWidget()
        for s in self.sources:
            item = QListWidgetItem(shown_label(s))
            item.setToolTip(str(s.get("text", ""))[:400])
            self.list.addItem(item)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        split = QSplitter()
        split.setOrientation(Qt.Orientation.Vertical)
        split.addWidget(self.list)
        split.addWidget(self.text)
        split.setSizes([160, 240])
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Show this note as a source: open its document or find it in Memory")
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.list.currentRowChanged.connect(self._show)
        self.list.itemActivated.connect(lambda _item: self._open())
        self.open_button.clicked.connect(self._open)
        if self.sources:
            self.list.setCurrentRow(0)
        self.open_button.setEnabled(bool(self.sources))

    def _show(self, row: int) -> None:
        self.text.setPlainText(str(self.sources[row].get("text", "")) if 0 <= row < len(self.sources) else "")

    def _open(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.sources):
            self.open_source.emit(self.sources[row])
