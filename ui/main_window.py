"""The main window: a sidebar of panes (Chat, Documents, Memory, Autofill, Settings) and a status bar."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QStackedWidget,
                               QVBoxLayout, QWidget)

PANES = ("Chat", "Documents", "Memory", "Autofill", "Settings")


class PlaceholderPane(QWidget):
    """A pane whose service has not landed yet: says so instead of showing nothing."""

    def __init__(self, name: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        label = QLabel(f"<h2>{name}</h2><p>This part of Mnemo is not available in this version yet.</p>")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        layout.addWidget(label)


class MainWindow(QMainWindow):
    """Holds the panes; each pane gets the ``Services`` it needs."""

    def __init__(self, services: Any) -> None:
        super().__init__()
        self.services = services
        self.setWindowTitle("Mnemo")
        self.resize(1100, 720)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.sidebar = QListWidget()
        self.sidebar.setFixedWidth(170)
        self.sidebar.setObjectName("sidebar")
        self.stack = QStackedWidget()
        self.panes: dict[str, QWidget] = {}
        for name in PANES:
            pane = self._make_pane(name)
            self.panes[name] = pane
            self.stack.addWidget(pane)
            QListWidgetItem(name, self.sidebar)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sidebar.setCurrentRow(0)
        row.addWidget(self.sidebar)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage(f"Data folder: {services.paths.home}")

    def _make_pane(self, name: str) -> QWidget:
        return PlaceholderPane(name)

    def show_pane(self, name: str) -> None:
        self.sidebar.setCurrentRow(PANES.index(name))

    def shutdown(self) -> None:
        """Stop background work before the services close."""
        for pane in self.panes.values():
            stop = getattr(pane, "shutdown", None)
            if callable(stop):
                stop()
