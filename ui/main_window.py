"""The main window: a sidebar of panes (Chat, Documents, Memory, Autofill, Settings) and a status bar.

The window can be shown before the services exist (``MainWindow(None)`` then
``attach(services)``), so the first paint never waits for the data folder; the model
then loads in the background while the status bar says so.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QVBoxLayout, QWidget

from ui.ports import AppServices, Host, Pane
from ui.theme import apply_interface
from ui.widgets.empty_state import EmptyState
from ui.widgets.message_bar import MessageBar
from ui.widgets.model_status import ModelStatus
from ui.workers import Job, cancel_all, report_error

if TYPE_CHECKING:
    from models.llm import ModelInfo

PANES = ("Chat", "Documents", "Memory", "Autofill", "Settings")

SIDEBAR_STYLE = """
QListWidget#sidebar { border: none; background: palette(alternate-base); padding-top: 12px; outline: 0; }
QListWidget#sidebar::item { padding: 10px 18px; margin: 2px 8px; border-radius: 6px; }
QListWidget#sidebar::item:selected { background: palette(highlight); color: palette(highlighted-text); }
"""


class PlaceholderPane(Pane):
    """A pane that cannot be shown yet (the data folder is still opening, or its module failed)."""

    def __init__(self, name: str, hint: str = "This part of Mnemo is not available in this version yet.") -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addWidget(EmptyState(name, hint))


class MainWindow(Host):
    """Holds the panes; each pane gets the ``Services`` it needs."""

    def __init__(self, services: AppServices | None = None) -> None:
        super().__init__()
        self.services: AppServices | None = None
        self.setWindowTitle("Mnemo")
        self.resize(1180, 760)
        self.setMinimumSize(860, 560)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.sidebar = QListWidget()
        self.sidebar.setFixedWidth(180)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setStyleSheet(SIDEBAR_STYLE)
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.message_bar = MessageBar()
        self.stack = QStackedWidget()
        column.addWidget(self.message_bar)
        column.addWidget(self.stack, 1)
        self.panes: dict[str, QWidget] = {}   # a Pane each, once AutofillPane derives from Pane too
        for i, name in enumerate(PANES):
            pane = PlaceholderPane(name, "Opening your data folder…")
            self.panes[name] = pane
            self.stack.addWidget(pane)
            QListWidgetItem(name, self.sidebar)
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, lambda n=name: self.show_pane(n))
        self.sidebar.currentRowChanged.connect(self._on_pane_changed)
        self.sidebar.setCurrentRow(0)
        row.addWidget(self.sidebar)
        row.addWidget(right, 1)
        self.setCentralWidget(central)
        self.model_status = ModelStatus()
        self.statusBar().addPermanentWidget(self.model_status)
        self.statusBar().showMessage("Starting…")
        self._model_job: Job[ModelInfo] | None = None
        if services is not None:
            self.attach(services)

    # ---- services ---------------------------------------------------------------------------
    def attach(self, services: AppServices) -> None:
        """Build the real panes once the services exist, then load the model in the background."""
        self.services = services
        current = max(0, self.sidebar.currentRow())
        for i, name in enumerate(PANES):
            old = self.panes[name]
            try:
                pane = self._make_pane(name, services)
            except Exception as exc:  # one broken pane must not take the window down
                report_error(self, exc, f"Opening the {name} pane")
                pane = PlaceholderPane(name, "This pane could not be opened; see the message above.")
            self.panes[name] = pane
            self.stack.removeWidget(old)
            old.deleteLater()
            self.stack.insertWidget(i, pane)
        self.stack.setCurrentIndex(current)
        self.statusBar().showMessage(f"Data folder: {services.paths.home}", 8000)
        self.load_model()

    def _make_pane(self, name: str, services: AppServices) -> QWidget:
        # The pane modules are imported here, not at the top, so the first paint never waits for them.
        if name == "Chat":
            from ui.chat_pane import ChatPane

            chat = ChatPane(services)
            chat.speed_measured.connect(self.model_status.set_speed)
            return chat
        if name == "Documents":
            from ui.documents_pane import DocumentsPane

            return DocumentsPane(services)
        if name == "Memory":
            from ui.memory_pane import MemoryPane

            return MemoryPane(services)
        if name == "Autofill":
            from ui.autofill_pane import AutofillPane

            return AutofillPane(services)
        if name == "Settings":
            from ui.settings_pane import SettingsPane

            settings = SettingsPane(services)
            settings.applied.connect(self._on_settings_applied)
            return settings
        return PlaceholderPane(name)

    def load_model(self) -> None:
        """Load the chat model off the GUI thread; the status bar shows progress and the result."""
        services = self.services
        if services is None or (self._model_job is not None and self._model_job.running):
            return
        self.model_status.loading()
        self._model_job = (Job(self, lambda ctx: services.llm.info, "Loading the model")   # ``info`` loads it
                           .success(self.model_status.ready)
                           .failure(self._model_failed)
                           .start())

    def _model_failed(self, exc: BaseException) -> None:
        self.model_status.failed(str(exc))
        report_error(self, exc, "Loading the model")

    def _on_settings_applied(self, keys: set[str]) -> None:
        if self.services is None:
            return
        if not self.services.llm_loaded:   # the services dropped the model: load the new one
            self.load_model()
        app = QApplication.instance()
        if any(k.startswith("interface.") for k in keys) and isinstance(app, QApplication):
            apply_interface(app, self.services.settings.interface)

    # ---- navigation and messages ---------------------------------------------------------------
    def _on_pane_changed(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        pane = self.stack.widget(row)
        if isinstance(pane, Pane):
            pane.on_shown()

    def show_pane(self, name: str) -> QWidget:
        self.sidebar.setCurrentRow(PANES.index(name))
        return self.panes[name]

    def show_error(self, message: str, hint: str = "") -> None:
        self.message_bar.show_error(message, hint)

    def show_note(self, message: str) -> None:
        self.message_bar.show_note(message)
        self.statusBar().showMessage(message, 6000)

    def shutdown(self) -> None:
        """Stop background work before the services close."""
        for pane in self.panes.values():
            if isinstance(pane, Pane):
                pane.shutdown()
        cancel_all()
