"""The Facts tab of the Memory pane: an editable table of profile facts (pin, forget, add; sensitive masked)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QStackedWidget, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from core.errors import MnemoError
from core.persona.keys import title
from ui.ports import AppServices
from ui.widgets.empty_state import EmptyState
from ui.widgets.owner_view import OwnerBar
from ui.widgets.search_field import search_field
from ui.workers import report_error

if TYPE_CHECKING:
    from core.persona.service import PersonaService

COLUMNS = ("Fact", "Value", "Source", "Confidence", "Pinned")


class FactsView(QWidget):
    """Facts of ``persona.facts``: double-click a value to correct it (the correction is pinned)."""

    changed = Signal()

    def __init__(self, persona: PersonaService, services: AppServices) -> None:
        super().__init__()
        self.persona = persona
        self.services = services
        self.records: list[Any] = []
        self._filling = False
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 8, 8)
        self.owner = OwnerBar(persona)          # who the facts are about, and the way to correct it
        self.owner.changed.connect(self.refresh)
        col.addWidget(self.owner)
        top = QHBoxLayout()
        self.filter = search_field("Filter facts", on_change=self.refresh)
        self.reveal = QCheckBox("Show sensitive values")
        self.reveal.setToolTip("Sensitive facts (identity numbers, bank, health…) are encrypted and masked")
        self.reveal.toggled.connect(lambda _: self.refresh())
        top.addWidget(self.filter, 1)
        top.addWidget(self.reveal)
        col.addLayout(top)
        self.table = self._make_table()
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(self._on_select)
        self.empty = EmptyState("No facts yet",
                                "Mnemo learns facts about you (name, email, city, favourite things…) from your documents "
                                "and conversations. You can also add one yourself with Add fact below.")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.table)
        col.addWidget(self.stack, 1)
        self.history = QLabel()
        self.history.setWordWrap(True)
        self.history.setStyleSheet("color: palette(placeholder-text);")
        col.addWidget(self.history)
        col.addLayout(self._edit_row())
        self.refresh()

    def _make_table(self) -> QTableWidget:
        """Fact, value, source, confidence, pinned: double-click a value to correct it."""
        table = QTableWidget(0, len(COLUMNS))
        table.setHorizontalHeaderLabels(COLUMNS)
        table.verticalHeader().hide()
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)
        table.setAlternatingRowColors(True)
        h = table.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        h.resizeSection(2, 220)
        for c in (3, 4):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        return table

    def _edit_row(self) -> QHBoxLayout:
        """Add a fact (key, value), pin or forget the selected one."""
        row = QHBoxLayout()
        self.new_key = QLineEdit()
        self.new_key.setPlaceholderText("fact, e.g. email or favorite-food")
        self.new_value = QLineEdit()
        self.new_value.setPlaceholderText("value")
        self.new_value.returnPressed.connect(self.add_from_inputs)
        self.add_button = QPushButton("Add fact")
        self.add_button.clicked.connect(self.add_from_inputs)
        self.pin_button = QPushButton("Pin")
        self.pin_button.setToolTip("A pinned fact is never changed by what Mnemo reads later")
        self.pin_button.clicked.connect(self.toggle_pin)
        self.forget_button = QPushButton("Forget")
        self.forget_button.setToolTip("Remove the fact and never learn this value again")
        self.forget_button.clicked.connect(lambda: self.forget_selected(confirm=True))
        row.addWidget(self.new_key, 1)
        row.addWidget(self.new_value, 2)
        row.addWidget(self.add_button)
        row.addSpacing(16)
        row.addWidget(self.pin_button)
        row.addWidget(self.forget_button)
        return row

    def refresh(self) -> None:
        self.owner.refresh()
        try:
            records = self.persona.facts.all(reveal=self.reveal.isChecked())
        except MnemoError as exc:
            report_error(self, exc, "Reading facts")
            return
        needle = self.filter.text().strip().lower()
        if needle:
            records = [r for r in records if needle in r.key.lower() or needle in str(r.value).lower()]
        records.sort(key=lambda r: title(r.key).lower())
        self.records = records
        self._filling = True
        self.table.setRowCount(len(records))
        for r, rec in enumerate(records):
            source = "You" if rec.source == "user" else rec.source
            cells = [title(rec.key), str(rec.value), source, f"{rec.confidence:.0%}", "Yes" if rec.pinned else ""]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c != 1 or (rec.sensitive and not self.reveal.isChecked()):
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if c == 0:
                    item.setToolTip(rec.key + (" · sensitive (encrypted)" if rec.sensitive else ""))
                if c == 2:
                    item.setToolTip(rec.source)
                self.table.setItem(r, c, item)
        self._filling = False
        self.stack.setCurrentWidget(self.table if records or needle else self.empty)
        self._on_select()

    def selected(self) -> Any:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.records[min(rows)] if rows else None

    def _on_select(self) -> None:
        rec = self.selected()
        self.pin_button.setEnabled(rec is not None)
        self.forget_button.setEnabled(rec is not None)
        self.pin_button.setText("Unpin" if rec is not None and rec.pinned else "Pin")
        if rec is None:
            self.history.setText("Double-click a value to correct it; your correction is pinned.")
            return
        past = [f"{h.value} ({h.source}, {h.reason})" for h in rec.history[:4]]
        self.history.setText(f"<b>{title(rec.key)}</b> — from {rec.source}. "
                             + ("Earlier values: " + "; ".join(past) if past else "No earlier values."))

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 1:
            return
        rec = self.records[item.row()]
        self.set_fact(rec.key, item.text())

    def set_fact(self, key: str, value: str) -> bool:
        try:
            self.persona.facts.set(key, value, source="user", pinned=True)
        except MnemoError as exc:
            report_error(self, exc, "Saving the fact")
            self.refresh()
            return False
        self.refresh()
        self.changed.emit()
        return True

    def add_from_inputs(self) -> None:
        key, value = self.new_key.text().strip(), self.new_value.text().strip()
        if not key or not value:
            report_error(self, MnemoError("A fact needs a name and a value.",
                                          "Type e.g. “favorite-food” and “ramen”, then Add fact."), "Adding a fact")
            return
        if self.set_fact(key, value):
            self.new_key.clear()
            self.new_value.clear()

    def toggle_pin(self) -> None:
        rec = self.selected()
        if rec is not None:
            self.persona.facts.pin(rec.key, not rec.pinned)
            self.refresh()

    def forget_selected(self, confirm: bool = True) -> None:
        rec = self.selected()
        if rec is None:
            return
        if confirm and self.services.settings.interface.confirm_delete:
            answer = QMessageBox.question(self, "Forget fact", f"Forget “{title(rec.key)}”? Mnemo removes it with its "
                                          "history and will not learn this value again.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.persona.facts.forget(rec.key)
        self.refresh()
        self.changed.emit()
