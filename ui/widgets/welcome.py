"""The first-run welcome: import a folder, see (confirm or correct) who Mnemo thinks you are, and where data lives.

Shown once per data folder by the main window (``window.json`` remembers it). Importing is
the Documents pane's job: the welcome only asks for the folder and emits ``import_folder``;
the window starts the import there and calls ``refresh`` when it ends, so the owner Mnemo
inferred from the new documents shows up here while the welcome is still open.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton,
                               QVBoxLayout, QWidget)

from ui.icons import app_icon, set_icon
from ui.widgets.owner_view import OwnerBar

if TYPE_CHECKING:
    from ui.ports import AppServices

WIDTH = 600


def _section(title: str, text: str) -> tuple[QFrame, QVBoxLayout]:
    box = QFrame()
    box.setObjectName("welcomeSection")
    box.setStyleSheet("QFrame#welcomeSection { background: palette(alternate-base); border-radius: 8px; }")
    col = QVBoxLayout(box)
    col.setContentsMargins(14, 12, 14, 12)
    head = QLabel(f"<b>{html.escape(title)}</b>")
    body = QLabel(text)
    body.setWordWrap(True)
    body.setTextFormat(Qt.TextFormat.RichText)
    col.addWidget(head)
    col.addWidget(body)
    return box, col


class Welcome(QDialog):
    """Three short sections and a button to close; nothing here is required to use Mnemo."""

    import_folder = Signal(str)

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Welcome to Mnemo")
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 16)
        layout.setSpacing(12)
        top = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(56, 56))
        intro = QLabel("<span style='font-size:15pt'><b>Welcome to Mnemo</b></span><br>"
                       "A private assistant that learns from your documents and your conversations, "
                       "and says where each answer comes from. It runs on this computer.")
        intro.setWordWrap(True)
        top.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(intro, 1)
        layout.addLayout(top)

        box, col = _section("1. Start with your documents",
                            "Notes, mail (mbox, .eml), PDFs, office files, contacts and chat exports. "
                            "Mnemo reads them into its memory; the files themselves are never changed.")
        self.import_button = QPushButton("Import a folder…")
        set_icon(self.import_button, "folder")
        self.import_button.clicked.connect(self._pick_folder)
        self.import_note = QLabel()
        self.import_note.setWordWrap(True)
        self.import_note.setStyleSheet("color: palette(placeholder-text);")
        row = QHBoxLayout()
        row.addWidget(self.import_button)
        row.addWidget(self.import_note, 1)
        col.addLayout(row)
        layout.addWidget(box)

        box, col = _section("2. Who you are",
                            "Mnemo keeps a profile of one person, you, and works out who that is from the "
                            "evidence: your sent mail, the contact marked as you, what you write about yourself.")
        self.owner = OwnerBar(services.persona)
        col.addWidget(self.owner)
        layout.addWidget(box)

        home = str(services.paths.home)
        box, col = _section("3. Where your data lives",
                            f"Everything Mnemo stores is in <b>{html.escape(home)}</b>: the database, the search "
                            "index and what it learned. Secrets stay in your system keyring. Nothing leaves this "
                            "computer unless you set up a model server in Settings.")
        self.open_folder = QPushButton("Show the data folder")
        self.open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(home)))
        col.addWidget(self.open_folder, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(box)

        buttons = QDialogButtonBox()
        self.start_button = buttons.addButton("Start using Mnemo", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self.fit()
        super().showEvent(event)

    def fit(self) -> None:
        """As tall as the wrapped text needs at this width (a dialog does not ask its layout by itself)."""
        layout = self.layout()
        width = max(self.width(), WIDTH)
        if layout is not None and layout.hasHeightForWidth():
            height = layout.totalHeightForWidth(width)
            self.setMinimumHeight(height)
            self.resize(width, height)

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder")
        if folder:
            self.start_import(folder)

    def start_import(self, folder: str) -> None:
        """Hand the folder to the window (the Documents pane imports it, with progress)."""
        self.import_note.setText(f"Importing {folder}… (progress in the Documents pane)")
        self.import_folder.emit(folder)

    def refresh(self) -> None:
        """After an import: who Mnemo now thinks you are."""
        self.import_note.setText("Imported. See the Documents pane for what was read.")
        self.owner.refresh()
        self.fit()
