"""The Topics and Biography tabs of the Memory pane (persona memory, layer L1)."""
from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton,
                               QSplitter, QStackedWidget, QTextBrowser, QVBoxLayout, QWidget)

from core.errors import MnemoError
from ui.widgets.empty_state import EmptyState
from ui.widgets.progress_panel import ProgressPanel
from ui.widgets.two_line import SUBTITLE_ROLE, TwoLineDelegate
from ui.workers import Job, report_error

if TYPE_CHECKING:
    from core.persona.service import PersonaService


class TopicsView(QWidget):
    """Topic clusters ("shades"): name and size on the left, description, keywords and examples on the right."""

    rebuilt = Signal()

    def __init__(self, persona: PersonaService) -> None:
        super().__init__()
        self.persona = persona
        self.topics: list[Any] = []
        self.job: Job[Any] | None = None
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 8, 8)
        self.list = QListWidget()
        self.list.setItemDelegate(TwoLineDelegate(self.list))
        self.list.currentRowChanged.connect(self._show)
        self.detail = QTextBrowser()
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(self.detail)
        split.setSizes([280, 600])
        split.setChildrenCollapsible(False)
        self.empty = EmptyState("No topics yet",
                                "Topics are the themes of your life that Mnemo finds in your documents and "
                                "conversations (work, a hobby, family…). They appear after a few related documents "
                                "are imported; Rebuild topics groups everything again.")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(split)
        col.addWidget(self.stack, 1)
        self.progress = ProgressPanel()
        col.addWidget(self.progress)
        row = QHBoxLayout()
        row.addStretch(1)
        self.rebuild_button = QPushButton("Rebuild topics")
        self.rebuild_button.clicked.connect(self.rebuild)
        row.addWidget(self.rebuild_button)
        col.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.topics = self.persona.topics.list()
        except MnemoError as exc:
            report_error(self, exc, "Reading topics")
            return
        self.list.clear()
        for t in self.topics:
            item = QListWidgetItem(t.name or "Unnamed topic")
            item.setData(SUBTITLE_ROLE, f"{t.size} memor{'ies' if t.size != 1 else 'y'}"
                         + (f" · {', '.join(t.keywords[:3])}" if t.keywords else ""))
            self.list.addItem(item)
        self.stack.setCurrentIndex(1 if self.topics else 0)
        if self.topics:
            self.list.setCurrentRow(0)

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.topics):
            self.detail.clear()
            return
        t = self.topics[row]
        examples = "".join(f"<li>{html.escape(e[:300])}</li>" for e in t.examples[:5])
        self.detail.setHtml(f"<h3>{html.escape(t.name or 'Unnamed topic')}</h3><p>{html.escape(t.description or '')}</p>"
                            f"<p><b>Keywords:</b> {html.escape(', '.join(t.keywords)) or '—'}</p>"
                            f"<p><b>From {t.size} memories, for example:</b></p><ul>{examples}</ul>")

    def rebuild(self) -> "Job[Any] | None":
        if self.job is not None and self.job.running:
            return None
        self.progress.begin("Grouping topics…", on_cancel=lambda: self.job.cancel() if self.job else None)
        self.rebuild_button.setEnabled(False)
        self.job = (Job(self, lambda ctx: self.persona.topics.rebuild(ctx.progress, ctx.cancel), "Rebuilding topics")
                    .progress(self.progress.update_progress)
                    .success(lambda _: (self.refresh(), self.rebuilt.emit()))
                    .finally_(lambda: (self.progress.end(), self.rebuild_button.setEnabled(True)))
                    .start())
        return self.job


class BiographyView(QWidget):
    """The short biography in both voices; the user's edit wins over the generated text."""

    saved = Signal()

    def __init__(self, persona: PersonaService) -> None:
        super().__init__()
        self.persona = persona
        self.job: Job[Any] | None = None
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 8, 8)
        about = QLabel("Mnemo writes a short biography from the facts and topics it knows and gives it to the model "
                       "with every question. Correct it here: your text is kept and used instead.")
        about.setWordWrap(True)
        col.addWidget(about)
        self.first_label = QLabel("<b>In your words</b> (first person)")
        self.first = QPlainTextEdit()
        self.first.setPlaceholderText("Nothing yet. Write a few sentences about yourself, e.g. “I live in Lisbon and "
                                      "work as a nurse. I love bread baking.”")
        self.third_label = QLabel("<b>As Mnemo describes you</b> (third person)")
        self.third = QPlainTextEdit()
        self.third.setPlaceholderText("Generated after Mnemo has learnt a few facts about you.")
        for w in (self.first_label, self.first, self.third_label, self.third):
            if isinstance(w, QPlainTextEdit):
                w.setMaximumHeight(170)
            col.addWidget(w)
        col.addStretch(1)
        self.state = QLabel()
        self.state.setStyleSheet("color: palette(placeholder-text);")
        row = QHBoxLayout()
        row.addWidget(self.state, 1)
        self.regen_button = QPushButton("Write it again")
        self.regen_button.setToolTip("Let the model write the biography again from what Mnemo knows now")
        self.regen_button.clicked.connect(self.regenerate)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.regen_button)
        row.addWidget(self.save_button)
        col.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        bio = self.persona.bio.get()
        self.bio = bio
        self.first.setPlainText(bio.first_person)
        self.third.setPlainText(bio.third_person)
        when = bio.updated_at.astimezone().strftime("%d %b %Y, %H:%M") if bio.updated_at else "never"
        edited = [n for n, e in (("first person", bio.first_edited), ("third person", bio.third_edited)) if e]
        self.state.setText(f"Last updated: {when}" + (f" · edited by you ({', '.join(edited)})" if edited else ""))

    def save(self) -> None:
        try:
            if self.first.toPlainText().strip() != self.bio.first_person.strip():
                self.persona.bio.edit(self.first.toPlainText(), third_person=False)
            if self.third.toPlainText().strip() != self.bio.third_person.strip():
                self.persona.bio.edit(self.third.toPlainText(), third_person=True)
        except MnemoError as exc:
            report_error(self, exc, "Saving the biography")
            return
        self.refresh()
        self.saved.emit()

    def regenerate(self) -> None:
        if self.job is not None and self.job.running:
            return
        self.regen_button.setEnabled(False)
        self.regen_button.setText("Writing…")
        self.job = (Job(self, lambda ctx: self.persona.update_bio(force=True), "Writing the biography")
                    .success(lambda _: self.refresh())
                    .finally_(lambda: (self.regen_button.setEnabled(True), self.regen_button.setText("Write it again")))
                    .start())
