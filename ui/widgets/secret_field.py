"""A server's secret (the model server's API key, the Chroma server's token) in the settings pane.

What is typed goes to the keyring (``core.secrets.SecretStore``), never to the settings file;
the field is cleared at once and a stored value is never shown back, only whether one is set.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from core.errors import MnemoError

if TYPE_CHECKING:
    from core.secrets import SecretStore


class SecretField(QWidget):
    """A password field with Store / Remove, and a line saying whether a value is kept."""

    changed = Signal(str)   # the secret's name, after it was stored or removed

    def __init__(self, secrets: "SecretStore", name: str) -> None:
        super().__init__()
        self.secrets = secrets
        self.name = name
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setToolTip(f"{name}: kept in the keyring, never in the settings file")
        self.edit.textEdited.connect(lambda _: self._buttons())
        self.edit.returnPressed.connect(self.store)
        self.store_button = QPushButton("Store in keyring")
        self.store_button.clicked.connect(self.store)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove)
        row.addWidget(self.edit, 1)
        row.addWidget(self.store_button)
        row.addWidget(self.remove_button)
        col.addLayout(row)
        self.state = QLabel()
        self.state.setWordWrap(True)
        col.addWidget(self.state)
        self.refresh()

    def _is_set(self) -> bool:
        return bool(self.secrets.get(self.name))

    def refresh(self, note: str = "") -> None:
        try:
            is_set = self._is_set()
        except MnemoError as exc:
            self.state.setText(f"The keyring cannot be read: {exc}")
            self.remove_button.setEnabled(False)
            self._buttons()
            return
        where = self.secrets.backend_name
        self.edit.setPlaceholderText("A value is stored (hidden); type a new one to replace it" if is_set
                                     else "None stored")
        self.state.setText((note + " " if note else "")
                           + (f"Stored in {where}; never shown." if is_set else f"None stored (it would go to {where})."))
        self.remove_button.setEnabled(is_set)
        self._buttons()

    def _buttons(self) -> None:
        self.store_button.setEnabled(bool(self.edit.text().strip()))

    def store(self) -> None:
        value = self.edit.text().strip()
        if not value:
            return
        self.edit.clear()   # whatever happens next, the value does not stay on screen
        try:
            self.secrets.set(self.name, value)
        except MnemoError as exc:
            self.state.setText(f"Not stored: {exc}")
            self._buttons()
            return
        self.refresh("Saved.")
        self.changed.emit(self.name)

    def remove(self) -> None:
        try:
            self.secrets.delete(self.name)
        except MnemoError as exc:
            self.state.setText(f"Not removed: {exc}")
            return
        self.refresh("Removed.")
        self.changed.emit(self.name)
