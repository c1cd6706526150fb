"""The chat transcript: one bubble per message, answers rendered as Markdown, cited sources as chips.

A streaming answer is appended to a buffer and repainted at most every 60 ms, so a fast
model never floods the GUI thread with re-layouts.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QToolButton, QVBoxLayout, QWidget

from ui.widgets.flow_layout import FlowLayout

USER_STYLE = "QFrame#bubble { background: palette(alternate-base); border-radius: 10px; }"
ASSISTANT_STYLE = "QFrame#bubble { background: palette(base); border: 1px solid palette(midlight); border-radius: 10px; }"
CHIP_STYLE = """
QToolButton#sourceChip { border: 1px solid palette(mid); border-radius: 11px; padding: 2px 10px;
                         background: palette(alternate-base); color: palette(link); }
QToolButton#sourceChip:hover, QToolButton#sourceChip:focus { border-color: palette(highlight); }
QToolButton#shownLink { border: none; padding: 2px 4px; color: palette(placeholder-text); text-decoration: underline; }
QToolButton#shownLink:hover, QToolButton#shownLink:focus { color: palette(link); }
QLabel#speed { color: palette(placeholder-text); }
"""
CHIP_CHARS = 40


def source_label(s: dict[str, Any]) -> str:
    """'[1] garden.md line 1' for a source dict of a chat answer."""
    return f"[{s.get('n')}] {s.get('source') or s.get('kind') or 'source'}"


def _elide(text: str, n: int = CHIP_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


class SourceFooter(QWidget):
    """Under an answer: a chip per cited source (click: the passage), "N other notes shown…" (click: all of
    them), and the speed. ``text()`` is the same in words (tests, screen readers)."""

    source_clicked = Signal(str)   # "src:<message id>:<n>"
    shown_clicked = Signal()       # open what the model was shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(CHIP_STYLE)
        self.flow = FlowLayout(self)
        self._words: list[str] = []

    def set_content(self, sources: list[dict[str, Any]], message_id: int | None, speed: str) -> None:
        while self.flow.count():
            item = self.flow.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self._words = []
        cited = [s for s in sources if s.get("cited")]
        small = self.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        for s in cited:
            label = source_label(s)
            chip = QToolButton()
            chip.setObjectName("sourceChip")
            chip.setText(_elide(label))
            chip.setFont(small)
            chip.setToolTip(f"{label}: open the passage the answer cites")
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            link = f"src:{message_id or 0}:{s.get('n')}"
            chip.clicked.connect(lambda _=False, link=link: self.source_clicked.emit(link))
            self.flow.addWidget(chip)
        if cited:
            self._words.append("Sources: " + " · ".join(source_label(s) for s in cited))
        other = len(sources) - len(cited)
        if other:
            more = f"{other} other note{'s' if other != 1 else ''} shown to the model, not cited"
            link_button = QToolButton()
            link_button.setObjectName("shownLink")
            link_button.setText(more)
            link_button.setFont(small)
            link_button.setToolTip("See every note the model was shown for this answer")
            link_button.setCursor(Qt.CursorShape.PointingHandCursor)
            link_button.clicked.connect(self.shown_clicked.emit)
            self.flow.addWidget(link_button)
            self._words.append(more)
        if speed:
            label = QLabel(speed)
            label.setObjectName("speed")
            label.setFont(small)
            self.flow.addWidget(label)
            self._words.append(speed)
        self.setVisible(bool(self._words))
        self.updateGeometry()

    def text(self) -> str:
        return " · ".join(self._words)

    def chips(self) -> list[QToolButton]:
        return [w for w in self.findChildren(QToolButton) if w.objectName() == "sourceChip" and not w.isHidden()]


class Bubble(QFrame):
    """One message: who, the text (Markdown for answers), sources and speed."""

    source_clicked = Signal(str)
    shown_clicked = Signal(object)   # this bubble: show every source its answer was given

    def __init__(self, role: str, text: str, meta: dict[str, Any] | None = None, message_id: int | None = None) -> None:
        super().__init__()
        self.setObjectName("bubble")
        self.role = role
        self.message_id = message_id
        self.meta: dict[str, Any] = meta or {}
        self.setStyleSheet(USER_STYLE if role == "user" else ASSISTANT_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(6)
        who = QLabel("You" if role == "user" else "Mnemo")
        font = who.font()
        font.setBold(True)
        who.setFont(font)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.MarkdownText if role == "assistant" else Qt.TextFormat.PlainText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.body.setOpenExternalLinks(False)
        self.footer = SourceFooter()
        self.footer.source_clicked.connect(self.source_clicked.emit)
        self.footer.shown_clicked.connect(lambda: self.shown_clicked.emit(self))
        layout.addWidget(who)
        layout.addWidget(self.body)
        layout.addWidget(self.footer)
        self.set_text(text)
        self.set_meta(self.meta, message_id)

    def set_text(self, text: str) -> None:
        self.body.setText(text)

    def set_meta(self, meta: dict[str, Any], message_id: int | None, show_sources: bool = True) -> None:
        self.meta, self.message_id = meta or {}, message_id
        sources = list(self.meta.get("sources") or []) if show_sources else []
        tps = self.meta.get("tokens_per_s")
        speed = (f"{float(tps):.1f} tokens/s{' · stopped' if self.meta.get('cancelled') else ''}"
                 if self.role == "assistant" and tps else "")
        self.footer.set_content(sources, message_id, speed)


class Transcript(QScrollArea):
    """A scrolling column of bubbles with a streaming bubble at the end while an answer arrives."""

    source_clicked = Signal(str)
    shown_clicked = Signal(object)   # a Bubble: show what the model was shown for it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        self.column = QVBoxLayout(inner)
        self.column.setContentsMargins(20, 16, 20, 16)
        self.column.setSpacing(12)
        self.column.addStretch(1)
        self.setWidget(inner)
        self.bubbles: list[Bubble] = []
        self.streaming: Bubble | None = None
        self._buffer = ""
        self._timer = QTimer(self)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self._flush)
        self.verticalScrollBar().rangeChanged.connect(self._follow)
        self._stick = True
        self._placeholder = "…"

    def clear(self) -> None:
        for b in self.bubbles:
            self.column.removeWidget(b)
            b.deleteLater()
        self.bubbles = []
        self.streaming = None
        self._timer.stop()

    def add(self, role: str, text: str, meta: dict[str, Any] | None = None, message_id: int | None = None,
            show_sources: bool = True) -> Bubble:
        bubble = Bubble(role, text, meta, message_id)
        bubble.set_meta(meta or {}, message_id, show_sources)
        bubble.source_clicked.connect(self.source_clicked.emit)
        bubble.shown_clicked.connect(self.shown_clicked.emit)
        self.column.insertWidget(self.column.count() - 1, bubble)
        self.bubbles.append(bubble)
        self._stick = True
        return bubble

    # ---- streaming ----------------------------------------------------------------------------
    def begin_stream(self, placeholder: str = "…") -> Bubble:
        self._buffer = ""
        self._placeholder = placeholder
        self.streaming = self.add("assistant", placeholder)
        self._timer.start()
        return self.streaming

    def append_token(self, piece: str) -> None:
        self._buffer += piece

    def _flush(self) -> None:
        if self.streaming is not None:
            bar = self.verticalScrollBar()
            self._stick = bar.value() >= bar.maximum() - 40
            self.streaming.set_text(self._buffer + " ▍" if self._buffer else self._placeholder)

    def end_stream(self, text: str, meta: dict[str, Any], message_id: int | None, show_sources: bool = True) -> None:
        self._timer.stop()
        if self.streaming is not None:
            self.streaming.set_text(text)
            self.streaming.set_meta(meta, message_id, show_sources)
        self.streaming = None

    @property
    def streamed_text(self) -> str:
        return self._buffer

    def _follow(self, _min: int, maximum: int) -> None:
        if self._stick:
            self.verticalScrollBar().setValue(maximum)
