"""What the UI needs from the rest of Mnemo, and from its own window, as explicit types.

``AppServices`` lists exactly what the panes and widgets use of the composition root's
``Services`` (``app/services.py``), typed with the core classes; ``ui`` never imports
``app``, so it names the object structurally and ``Services`` satisfies it. Every
attribute always exists: the UI does not probe for services.

``Host`` is the main window as its panes and jobs see it (notes, errors, switching panes),
and ``Pane`` the base of every pane the window holds (``on_shown``, ``shutdown``). Both
are real base classes, so "is this the main window?" is an ``isinstance`` check, never a
look for a method by name.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QMainWindow, QWidget
from shiboken6 import isValid

if TYPE_CHECKING:  # types only: the services are built by app/services.py, not imported here
    from core.autofill import AutofillService
    from core.chat.service import ChatService
    from core.chat.store import ConversationStore
    from core.decoder.service import DecoderService
    from core.documents import DocumentService
    from core.memory.service import MemoryService
    from core.modelhub import ModelCatalog
    from core.persona.service import PersonaService
    from core.secrets import SecretStore
    from core.ports import ChatModel
    from core.settings import Settings, SettingsStore
    from core.store.reembed import Reembedder


class DataFolder(Protocol):
    """The data folder's paths (``app.paths.DataPaths``); the UI shows only where it is."""

    @property
    def home(self) -> Path: ...


class AppServices(Protocol):
    """What the UI uses of ``app.services.Services``: one object per data folder, every service built."""

    @property
    def paths(self) -> DataFolder: ...

    @property
    def settings_store(self) -> SettingsStore: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def secrets(self) -> SecretStore:
        """The keyring of this data folder (the settings pane stores servers' keys there)."""
        ...

    @property
    def conversations(self) -> ConversationStore: ...

    @property
    def chat(self) -> ChatService: ...

    @property
    def documents(self) -> DocumentService: ...

    @property
    def memory(self) -> MemoryService: ...

    @property
    def persona(self) -> PersonaService: ...

    @property
    def decoder(self) -> DecoderService: ...

    @property
    def autofill(self) -> AutofillService: ...

    @property
    def models(self) -> ModelCatalog:
        """The chat models: embedded, downloaded, added by path (the Models pane)."""
        ...

    @property
    def llm(self) -> ChatModel:
        """The chat model (built on first use; ``llm.info`` loads it)."""
        ...

    @property
    def llm_loaded(self) -> bool:
        """False while the model is not loaded, e.g. after a settings change dropped it."""
        ...

    def reembedder(self) -> Reembedder:
        """The job that embeds stored texts again after the embedder changed."""
        ...


class Host(QMainWindow):
    """The window the panes live in (``ui.main_window.MainWindow`` derives from this)."""

    def show_note(self, message: str) -> None:
        """A short, non-alarming note (message bar and status bar)."""
        raise NotImplementedError

    def show_error(self, message: str, hint: str = "") -> None:
        """An error with what to do next, in the message bar."""
        raise NotImplementedError

    def show_pane(self, name: str) -> QWidget:
        """Switch to the pane ``name`` (one of ``ui.main_window.PANES``) and return it."""
        raise NotImplementedError


def host_of(widget: QWidget | None) -> Host | None:
    """The main window ``widget`` is shown in, or None (a dialog on its own, a widget under test)."""
    window = widget.window() if widget is not None and isValid(widget) else None
    return window if isinstance(window, Host) else None


class Pane(QWidget):
    """One pane of the main window. The defaults do nothing; a pane overrides what it needs."""

    def on_shown(self) -> None:
        """The window switched to this pane: refresh what background work may have changed."""

    def shutdown(self) -> None:
        """Stop this pane's background work; the services close next."""

    def host(self) -> Host | None:
        """The main window this pane is in (None before it is placed in one)."""
        return host_of(self)
