"""The message bar at the top of the window: the one place errors and notes appear.

An error says what happened (bold) and what to do next (below it); it stays until the
user closes it or the next message replaces it. Notes fade out by themselves.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

_STYLES = {
    "error": "QFrame#messageBar { background: #fdecea; border: 1px solid #f5c2bd; border-radius: 6px; }"
             "QLabel { color: #5f2120; }",
    "note": "QFrame#messageBar { background: #e8f4fd; border: 1px solid #b6dcf7; border-radius: 6px; }"
            "QLabel { color: #0d3c61; }",
}


class MessageBar(QWidget):
    """A dismissible strip: ``show_error(message, hint)`` or ``show_note(message)``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 0)
        self.frame = QFrame()
        self.frame.setObjectName("messageBar")
        outer.addWidget(self.frame)
        row = QHBoxLayout(self.frame)
        row.setContentsMargins(12, 8, 8, 8)
        row.setSpacing(10)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        texts.addWidget(self.title)
        texts.addWidget(self.hint)
        row.addLayout(texts, 1)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.kind = ""
        self.hide()

    def show_error(self, message: str, hint: str = "") -> None:
        self._show("error", message, f"What to do: {hint}" if hint else "")

    def show_note(self, message: str, seconds: float = 6.0) -> None:
        self._show("note", message, "")
        self._timer.start(int(seconds * 1000))

    def _show(self, kind: str, message: str, hint: str) -> None:
        self._timer.stop()
        self.kind = kind
        self.frame.setStyleSheet(_STYLES[kind])
        self.title.setText(message)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.show()
