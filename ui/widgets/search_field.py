"""The search/filter line every list in the window uses: a placeholder, a clear button, one callback."""
from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QLineEdit


def search_field(placeholder: str, on_change: Callable[[], None] | None = None,
                 on_enter: Callable[[], None] | None = None) -> QLineEdit:
    """A QLineEdit that calls ``on_change`` as the text changes and ``on_enter`` when Enter is pressed."""
    field = QLineEdit()
    field.setPlaceholderText(placeholder)
    field.setClearButtonEnabled(True)
    if on_change is not None:
        field.textChanged.connect(lambda _: on_change())
    if on_enter is not None:
        field.returnPressed.connect(on_enter)
    return field
