"""Apply the interface settings (theme, font size) to the running application.

Fusion everywhere (one look on every OS). "dark" and "light" set an explicit palette,
because not every platform honours a requested colour scheme; "system" keeps the
platform's own palette.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from core.settings.schema import InterfaceSettings

SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark, "system": Qt.ColorScheme.Unknown}
_DEFAULT_PALETTE: QPalette | None = None


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#202124", QPalette.ColorRole.WindowText: "#e8eaed",
        QPalette.ColorRole.Base: "#17181a", QPalette.ColorRole.AlternateBase: "#2a2b2e",
        QPalette.ColorRole.Text: "#e8eaed", QPalette.ColorRole.Button: "#2d2e31",
        QPalette.ColorRole.ButtonText: "#e8eaed", QPalette.ColorRole.Highlight: "#3d7fd9",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2d2e31",
        QPalette.ColorRole.ToolTipText: "#e8eaed", QPalette.ColorRole.PlaceholderText: "#9aa0a6",
        QPalette.ColorRole.Link: "#8ab4f8", QPalette.ColorRole.Mid: "#3c4043",
        QPalette.ColorRole.Midlight: "#3c4043", QPalette.ColorRole.Dark: "#111214",
        QPalette.ColorRole.Light: "#4a4d51", QPalette.ColorRole.BrightText: "#ffffff",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6f7378"))
    return p


def apply_interface(app: QApplication, interface: InterfaceSettings | None) -> None:
    """The chosen colour scheme and font size (``interface`` may be None: defaults)."""
    global _DEFAULT_PALETTE
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    if _DEFAULT_PALETTE is None:
        _DEFAULT_PALETTE = QPalette(app.palette())
    font = app.font()
    size = interface.font_size if interface is not None else 0
    if size and font.pointSize() != size:
        font.setPointSize(size)
        app.setFont(font)
    theme = interface.theme if interface is not None else "system"
    app.styleHints().setColorScheme(SCHEMES.get(theme, Qt.ColorScheme.Unknown))   # Qt >= 6.8 (pinned 6.12)
    app.setPalette(dark_palette() if theme == "dark" else _DEFAULT_PALETTE)
    for w in app.allWidgets():   # style sheets resolve palette(...) when set: set them again
        sheet = w.styleSheet()
        if sheet:
            w.setStyleSheet(sheet)
