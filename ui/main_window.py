"""The main window: a sidebar of panes (Chat, Documents, Memory, Autofill, Models, Settings) and a status bar.

The window can be shown before the services exist (``MainWindow(None)`` then
``attach(services)``), so the first paint never waits for the data folder; the model
then loads in the background while the status bar says so. Given a ``state_file`` (the
desktop app passes ``window.json`` in the data folder) it comes back at its last size,
position and pane, and shows the welcome once per data folder. Ctrl+1…Ctrl+6 open the
panes; Tab reaches the sidebar, whose arrow keys switch panes too.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QVBoxLayout, QWidget

from ui.icons import app_icon, set_item_icon
from ui.ports import AppServices, Host, Pane
from ui.theme import apply_interface
from ui.window_state import FILE_NAME, WindowState, default_geometry, fit_on_screen, screens
from ui.widgets.empty_state import EmptyState
from ui.widgets.message_bar import MessageBar
from ui.widgets.model_status import ModelStatus
from ui.workers import Job, cancel_all, report_error

if TYPE_CHECKING:
    from models.llm import ModelInfo

PANES = ("Chat", "Documents", "Memory", "Autofill", "Models", "Settings")
PANE_HINTS = {"Chat": "Ask Mnemo; answers cite your notes", "Documents": "Import and search your documents",
              "Memory": "What Mnemo knows about you, and why", "Autofill": "Fill a form from what Mnemo knows",
              "Models": "Choose and download chat models", "Settings": "Model, generation, storage and interface"}

SIDEBAR_STYLE = """
QListWidget#sidebar { border: none; background: palette(alternate-base); padding-top: 12px; outline: 0; }
QListWidget#sidebar::item { padding: 9px 12px; margin: 2px 8px; border-radius: 6px; }
QListWidget#sidebar::item:hover:!selected { background: palette(midlight); }
QListWidget#sidebar::item:selected { background: palette(highlight); color: palette(highlighted-text); }
QListWidget#sidebar::item:focus { border: 1px solid palette(highlighted-text); }   /* keyboard focus: a ring on the current entry */
"""


class PlaceholderPane(Pane):
    """A pane that cannot be shown yet (the data folder is still opening, or its module failed)."""

    def __init__(self, name: str, hint: str = "This part of Mnemo is not available in this version yet.") -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addWidget(EmptyState(name, hint))


class MainWindow(Host):
    """Holds the panes; each pane gets the ``Services`` it needs."""

    def __init__(self, services: AppServices | None = None, state_file: Path | None = None) -> None:
        super().__init__()
        self.services: AppServices | None = None
        self.state_file = Path(state_file) if state_file is not None else None
        self.state = WindowState.load(self.state_file) if self.state_file is not None else WindowState()
        self.welcome: QWidget | None = None
        self.setWindowTitle("Mnemo")
        self.setWindowIcon(app_icon())
        self.setMinimumSize(860, 560)
        self._restore_geometry()
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.sidebar = QListWidget()
        self.sidebar.setFixedWidth(180)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFrameShape(QFrame.Shape.NoFrame)
        self.sidebar.setStyleSheet(SIDEBAR_STYLE)
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.TabFocus)   # Tab reaches it; the arrow keys then switch panes
        self.sidebar.setAccessibleName("Panes")
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
            item = QListWidgetItem(name, self.sidebar)
            item.setToolTip(f"{PANE_HINTS[name]} (Ctrl+{i + 1})")
            set_item_icon(item, name.lower())   # redrawn by the theme (ui.icons.retint)
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, lambda n=name: self.show_pane(n, focus=True))
        self.sidebar.currentRowChanged.connect(self._on_pane_changed)
        self.sidebar.setCurrentRow(PANES.index(self.state.pane) if self.state.pane in PANES else 0)
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
        self.load_model()   # in the background while the panes are built
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
        if self.state_file is not None:
            own = Path(services.paths.home) / FILE_NAME
            if own != self.state_file:   # the data folder is the one that counts
                self.state_file, welcomed = own, WindowState.load(own).welcomed
                self.state.welcomed = welcomed
            if not self.state.welcomed:
                QTimer.singleShot(0, self.show_welcome)

    def show_welcome(self) -> QWidget | None:
        """The first-run welcome (once per data folder; also from Help later): import, who you are, where data lives."""
        if self.services is None:
            return None
        from ui.widgets.welcome import Welcome

        if self.welcome is None:
            welcome = Welcome(self.services, self)
            welcome.import_folder.connect(self._import_from_welcome)
            welcome.finished.connect(self._welcome_closed)
            self.welcome = welcome
        self.welcome.show()
        self.welcome.raise_()
        return self.welcome

    def _welcome_closed(self, _result: int = 0) -> None:
        self.state.welcomed = True
        self.save_state()

    def _import_from_welcome(self, folder: str) -> None:
        from ui.documents_pane import DocumentsPane

        pane = self.show_pane("Documents")
        if isinstance(pane, DocumentsPane):
            pane.import_paths([folder], f"Importing {Path(folder).name}")
            welcome = self.welcome
            if welcome is not None:
                pane.import_finished.connect(lambda _r: welcome.refresh() if welcome.isVisible() else None)

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
        if name == "Models":
            try:
                from ui.models_pane import ModelsPane
            except ModuleNotFoundError as exc:   # the model manager is a later addition to this version
                if exc.name != "ui.models_pane":
                    raise
                return PlaceholderPane(name, "The model manager is not in this version yet; choose a model file "
                                             "in Settings → Model.")
            models = ModelsPane(services)
            models.applied.connect(self._on_settings_applied)   # "Use" changed model.path: load that model
            return models
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
            apply_interface(app, self.services.settings.interface)   # icons too (ui.icons.retint)

    # ---- size, position, last pane ---------------------------------------------------------------
    def _restore_geometry(self) -> None:
        areas = screens()
        if len(self.state.geometry) == 4:
            x, y, w, h = self.state.geometry
            rect = fit_on_screen(QRect(x, y, w, h), areas, (self.minimumWidth(), self.minimumHeight()))
        else:
            rect = default_geometry(areas[0] if areas else QRect(0, 0, 1280, 800))
        self.resize(rect.size())
        if len(self.state.geometry) == 4:
            self.move(rect.topLeft())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        if self.state.maximized and not self.isMaximized():
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        super().showEvent(event)

    def save_state(self) -> None:
        """Write size, position (of the normal window), maximized, the pane shown and the welcome flag."""
        if self.state_file is None:
            return
        g = self.normalGeometry() if self.isMaximized() else self.geometry()
        if g.isValid():
            self.state.geometry = [g.x(), g.y(), g.width(), g.height()]
        self.state.maximized = self.isMaximized()
        self.state.pane = PANES[max(0, self.sidebar.currentRow())]
        self.state.save(self.state_file)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_state()
        super().closeEvent(event)

    # ---- navigation and messages ---------------------------------------------------------------
    def _on_pane_changed(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        pane = self.stack.widget(row)
        if isinstance(pane, Pane):
            pane.on_shown()

    def show_pane(self, name: str, focus: bool = False) -> QWidget:
        """Switch to ``name``; with ``focus`` (the Ctrl+N shortcuts) the keyboard goes to its first control."""
        self.sidebar.setCurrentRow(PANES.index(name))
        pane = self.panes[name]
        if focus:
            first = _first_focusable(pane)
            (first or pane).setFocus(Qt.FocusReason.ShortcutFocusReason)
        return pane

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


def _first_focusable(pane: QWidget) -> QWidget | None:
    """The first widget of ``pane`` that Tab would reach (visible, enabled, takes focus by Tab)."""
    w = pane.nextInFocusChain()
    for _ in range(500):
        if w is pane or w is None:
            return None
        if (pane.isAncestorOf(w) and w.isVisible() and w.isEnabled()
                and w.focusPolicy() & Qt.FocusPolicy.TabFocus):
            return w
        w = w.nextInFocusChain()
    return None
