"""The Memories tab: reflective (RMM) topic memories with their revisions and the turns behind them.

The view goes through ``MemoryService`` (list, revisions, edit, forget, reflect_pending), so
service-level rules (e.g. re-indexing) apply; the turns behind a memory are read from its
store (``memory.store.turns_by_ref``).
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMessageBox,
                               QPlainTextEdit, QPushButton, QSplitter, QStackedWidget, QTextBrowser, QVBoxLayout,
                               QWidget)

from core.errors import MnemoError
from ui.ports import AppServices, host_of
from ui.widgets.empty_state import EmptyState
from ui.widgets.progress_panel import ProgressPanel
from ui.widgets.two_line import SUBTITLE_ROLE, TwoLineDelegate
from ui.workers import Job, report_error
from ui.widgets.search_field import search_field

if TYPE_CHECKING:
    from core.memory.reflect import ReflectionStats
    from core.memory.service import MemoryService
    from core.memory.tables import Memory


class MemoriesView(QWidget):
    """List (searchable) on the left; the memory, its sources and revisions on the right; edit and forget."""

    def __init__(self, memory: MemoryService, services: AppServices) -> None:
        super().__init__()
        self.memory = memory
        self.services = services
        self.items: list[Memory] = []
        self.job: Job[Any] | None = None
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 8, 8)
        self.search = search_field("Search memories", on_change=self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        self.reflect_button = QPushButton("Reflect now")
        self.reflect_button.setToolTip("Turn recent conversations into memories now instead of waiting for them to go idle")
        self.reflect_button.clicked.connect(self.reflect)
        top.addWidget(self.reflect_button)
        col.addLayout(top)
        self.progress = ProgressPanel()
        col.addWidget(self.progress)
        self.list = QListWidget()
        self.list.setItemDelegate(TwoLineDelegate(self.list))
        self.list.currentRowChanged.connect(self._show)
        right = QWidget()
        rc = QVBoxLayout(right)
        rc.setContentsMargins(8, 0, 0, 0)
        self.editor = QPlainTextEdit()
        self.editor.setMaximumHeight(110)
        self.editor.setPlaceholderText("The memory's summary")
        self.detail = QTextBrowser()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button = QPushButton("Save changes")
        self.save_button.setToolTip("The old text is kept as a revision")
        self.save_button.clicked.connect(self.save)
        self.forget_button = QPushButton("Forget")
        self.forget_button.clicked.connect(lambda: self.forget_selected(confirm=True))
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.forget_button)
        rc.addWidget(QLabel("<b>Memory</b>"))
        rc.addWidget(self.editor)
        rc.addLayout(buttons)
        rc.addWidget(QLabel("<b>Where it comes from, and earlier versions</b>"))
        rc.addWidget(self.detail, 1)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(right)
        split.setSizes([340, 560])
        split.setChildrenCollapsible(False)
        self.empty = EmptyState("No memories yet",
                                "When a conversation goes quiet, Mnemo reflects on it and keeps what was personal "
                                "(plans, preferences, events) as memories. They show up here, and answers cite them.")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(split)
        col.addWidget(self.stack, 1)
        self.refresh()

    def refresh(self) -> None:
        query = self.search.text().strip()
        current = self.selected_id()
        try:
            self.items = self.memory.list(query)
        except MnemoError as exc:
            report_error(self, exc, "Reading memories")
            return
        self.list.blockSignals(True)
        self.list.clear()
        for m in self.items:
            item = QListWidgetItem(" ".join(str(m.summary).split()))
            when = m.session_date or m.updated_at.astimezone().strftime("%d %b %Y")
            item.setData(SUBTITLE_ROLE, f"{when} · {len(m.sources)} source turn{'s' if len(m.sources) != 1 else ''}")
            item.setData(Qt.ItemDataRole.UserRole, m.id)
            item.setToolTip(m.summary)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.stack.setCurrentIndex(1 if self.items or query else 0)
        ids = [m.id for m in self.items]
        self.list.setCurrentRow(ids.index(current) if current in ids else (0 if ids else -1))
        self._show(self.list.currentRow())

    def selected_id(self) -> int | None:
        item = self.list.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def select(self, memory_id: int) -> None:
        self.search.clear()
        if memory_id not in [m.id for m in self.items]:
            self.refresh()
        ids = [m.id for m in self.items]
        if memory_id in ids:
            self.list.setCurrentRow(ids.index(memory_id))

    def _show(self, row: int) -> None:
        has = 0 <= row < len(self.items)
        self.save_button.setEnabled(has)
        self.forget_button.setEnabled(has)
        if not has:
            self.editor.clear()
            self.detail.clear()
            return
        m = self.items[row]
        self.editor.setPlainText(m.summary)
        parts = []
        try:
            turns = self.memory.store.turns_by_ref(m.sources)
        except Exception:
            turns = {}
        lines = [f"<li>{html.escape(turns[ref].text if ref in turns and turns[ref].text else ref)}</li>"
                 for ref in m.sources]
        if lines:
            parts.append(f"<p><b>From the conversation of {html.escape(m.session_date or '—')}:</b></p>"
                         f"<ul>{''.join(lines)}</ul>")
        else:
            parts.append(f"<p style='color:gray'>From {html.escape(m.session_date or 'an earlier session')}; "
                         "the turns behind it are no longer stored.</p>")
        try:
            revisions = self.memory.revisions(m.id)
        except Exception:
            revisions = []
        if revisions:
            rows = "".join(f"<li><span style='color:gray'>{r.created_at.astimezone():%d %b %Y %H:%M} · {html.escape(r.reason)}"
                           f"</span><br>{html.escape(r.summary)}</li>" for r in reversed(revisions))
            parts.append(f"<p><b>Earlier versions:</b></p><ul>{rows}</ul>")
        else:
            parts.append("<p style='color:gray'>No earlier versions.</p>")
        self.detail.setHtml("".join(parts))

    def save(self) -> None:
        memory_id = self.selected_id()
        text = self.editor.toPlainText()
        if memory_id is None:
            return
        self.save_button.setEnabled(False)
        self.job = (Job(self, lambda ctx: self.memory.edit(memory_id, text), "Saving the memory")
                    .success(lambda _: self.refresh())
                    .finally_(lambda: self.save_button.setEnabled(True))
                    .start())

    def forget_selected(self, confirm: bool = True) -> None:
        memory_id = self.selected_id()
        if memory_id is None:
            return
        if confirm and self.services.settings.interface.confirm_delete:
            answer = QMessageBox.question(self, "Forget memory", "Forget this memory and its earlier versions?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            self.memory.forget(memory_id)
        except MnemoError as exc:
            report_error(self, exc, "Forgetting the memory")
        self.refresh()

    def reflect(self) -> Job[Any] | None:
        if self.job is not None and self.job.running:
            return None
        self.progress.begin("Reflecting on conversations…", on_cancel=lambda: self.job.cancel() if self.job else None)
        self.reflect_button.setEnabled(False)

        def done(stats: ReflectionStats) -> None:
            self.refresh()
            host = host_of(self)
            if host is not None:
                host.show_note(f"Reflection done: {stats.added} memories added, {stats.merged} merged.")

        self.job = (Job(self, lambda ctx: self.memory.reflect_pending(ctx.progress, ctx.cancel), "Reflecting")
                    .progress(self.progress.update_progress)
                    .success(done)
                    .finally_(lambda: (self.progress.end(), self.reflect_button.setEnabled(True)))
                    .start())
        return self.job
