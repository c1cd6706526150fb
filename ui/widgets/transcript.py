"""The chat transcript: one bubble per message, answers rendered as Markdown, cited sources as links.

A streaming answer is appended to a buffer and repainted at most every 60 ms, so a fast
model never floods the GUI thread with re-layouts.
"""
from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

USER_STYLE = "QFrame#bubble { background: palette(alternate-base); border-radius: 10px; }"
ASSISTANT_STYLE = "QFrame#bubble { background: palette(base); border: 1px solid palette(midlight); border-radius: 10px; }"


def sources_html(sources: list[dict[str, Any]], message_id: int | None) -> str:
    """Cited sources as links ``src:<message>:<n>``; uncited ones only counted."""
    cited = [s for s in sources if s.get("cited")]
    other = len(sources) - len(cited)
    parts = []
    for s in cited:
        label = html.escape(str(s.get("source") or s.get("kind") or "source"))
        parts.append(f'<a href="src:{message_id or 0}:{s.get("n")}">[{s.get("n")}] {label}</a>')
    text = "Sources: " + " &nbsp;·&nbsp; ".join(parts) if parts else ""
    if other:
        more = f"{other} other note{'s' if other != 1 else ''} shown to the model, not cited"
        text = f"{text} &nbsp;<span style='color:gray'>({more})</span>" if text else f"<span style='color:gray'>{more}</span>"
    return text


class Bubble(QFrame):
    """One message: who, the text (Markdown for answers), sources and speed."""

    source_clicked = Signal(str)

    def __init__(self, role: str, text: str, meta: dict[str, Any] | None = None, message_id: int | None = None) -> None:
        super().__init__()
        self.setObjectName("bubble")
        self.role = role
        self.message_id = message_id
        self.meta: dict[str, Any] = meta or {}
        self.setStyleSheet(USER_STYLE if role == "user" else ASSISTANT_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        who = QLabel("You" if role == "user" else "Mnemo")
        font = who.font()
        font.setBold(True)
        who.setFont(font)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.MarkdownText if role == "assistant" else Qt.TextFormat.PlainText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.body.setOpenExternalLinks(False)
        self.footer = QLabel()
        self.footer.setWordWrap(True)
        self.footer.setTextFormat(Qt.TextFormat.RichText)
        self.footer.linkActivated.connect(self.source_clicked.emit)
        small = self.footer.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.footer.setFont(small)
        layout.addWidget(who)
        layout.addWidget(self.body)
        layout.addWidget(self.footer)
        self.set_text(text)
        self.set_meta(self.meta, message_id)

    def set_text(self, text: str) -> None:
        self.body.setText(text)

    def set_meta(self, meta: dict[str, Any], message_id: int | None, show_sources: bool = True) -> None:
        self.meta, self.message_id = meta or {}, message_id
        bits = []
        if show_sources and self.meta.get("sources"):
            bits.append(sources_html(self.meta["sources"], message_id))
        tps = self.meta.get("tokens_per_s")
        if self.role == "assistant" and tps:
            bits.append(f"<span style='color:gray'>{float(tps):.1f} tokens/s"
                        f"{' · stopped' if self.meta.get('cancelled') else ''}</span>")
        self.footer.setText("<br>".join(b for b in bits if b))
        self.footer.setVisible(bool(self.footer.text()))


class Transcript(QScrollArea):
    """A scrolling column of bubbles with a streaming bubble at the end while an answer arrives."""

    source_clicked = Signal(str)

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
