"""Mnemo's icons: the app icon, and line icons for the sidebar and the actions, tinted to the palette.

The line icons are small SVGs in ``assets/icons`` drawn with ``stroke="currentColor"``; each
is rendered in the palette's text colour (and the highlighted-text colour for a selected
sidebar entry), so they read on the light and the dark theme alike. ``assets/`` sits next to
the packages in a checkout and at the bundle's root in the PyInstaller build.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton, QApplication, QListWidget, QListWidgetItem

ASSETS = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[1])) / "assets"
SIZES = (16, 20, 24, 32, 48)


def app_icon() -> QIcon:
    """The window and task-bar icon: every rendered PNG size, and the SVG for the rest."""
    icon = QIcon()
    for png in sorted((ASSETS / "icons").glob("mnemo-*.png")):
        icon.addFile(str(png))
    if (ASSETS / "mnemo.svg").exists():
        icon.addFile(str(ASSETS / "mnemo.svg"))
    return icon


@lru_cache(maxsize=None)
def _svg(name: str) -> str:
    path = ASSETS / "icons" / f"{name}.svg"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _pixmap(svg: str, colour: QColor, size: int, ratio: float) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg.replace("currentColor", colour.name()).encode("utf-8")))
    pm = QPixmap(int(size * ratio), int(size * ratio))
    pm.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pm)
    renderer.render(painter, QRectF(0, 0, pm.width(), pm.height()))
    painter.end()
    pm.setDevicePixelRatio(ratio)
    return pm


def line_icon(name: str, palette: QPalette | None = None) -> QIcon:
    """``assets/icons/<name>.svg`` in the palette's colours (an empty icon if there is no such file)."""
    svg = _svg(name)
    icon = QIcon()
    if not svg:
        return icon
    app = QApplication.instance()
    pal = palette or (app.palette() if isinstance(app, QApplication) else QPalette())
    ratio = app.devicePixelRatio() if isinstance(app, QApplication) else 1.0
    normal = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.ButtonText)
    disabled = pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
    selected = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText)
    for size in SIZES:
        icon.addPixmap(_pixmap(svg, normal, size, ratio), QIcon.Mode.Normal)
        icon.addPixmap(_pixmap(svg, normal, size, ratio), QIcon.Mode.Active)
        icon.addPixmap(_pixmap(svg, disabled, size, ratio), QIcon.Mode.Disabled)
        icon.addPixmap(_pixmap(svg, selected, size, ratio), QIcon.Mode.Selected)
    return icon


ICON_PROPERTY = "mnemoIcon"
ICON_ROLE = Qt.ItemDataRole.UserRole + 40   # on list items: the name of their line icon


def set_icon(button: QAbstractButton, name: str) -> None:
    """Give ``button`` the line icon ``name``; ``retint`` draws it again when the theme changes."""
    button.setProperty(ICON_PROPERTY, name)
    button.setIcon(line_icon(name, button.palette()))


def set_item_icon(item: QListWidgetItem, name: str) -> None:
    """Give a list entry (the sidebar's) the line icon ``name``; ``retint`` redraws it too."""
    item.setData(ICON_ROLE, name)
    item.setIcon(line_icon(name))


def retint(app: QApplication) -> None:
    """Redraw every icon set with ``set_icon`` or ``set_item_icon`` in the application's palette (after a theme
    change; a widget's own palette may not have followed yet)."""
    pal = app.palette()
    for w in app.allWidgets():
        name = w.property(ICON_PROPERTY)
        if isinstance(w, QAbstractButton) and isinstance(name, str):
            w.setIcon(line_icon(name, pal))
        elif isinstance(w, QListWidget):
            for i in range(w.count()):
                item = w.item(i)
                item_name = item.data(ICON_ROLE) if item is not None else None
                if isinstance(item_name, str):
                    item.setIcon(line_icon(item_name, pal))
