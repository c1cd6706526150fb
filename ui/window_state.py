"""The window's size, position and last pane, and whether the welcome was shown: ``window.json`` in the data folder.

This is state, not a setting (nothing to choose in the Settings pane), so it lives in its own
small file beside ``settings.json``, written atomically. A saved position is kept only if it is
still on one of the screens: a laptop that lost its second monitor gets the window back on the
screen it has, never off it.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QGuiApplication

FILE_NAME = "window.json"
DEFAULT_SIZE = (1440, 920)      # at most; never more than 92% of the screen
MIN_VISIBLE = 120               # this many pixels of the title bar must stay on a screen


@dataclass
class WindowState:
    """``geometry`` is (x, y, width, height) of the normal (not maximized) window; empty until saved."""

    geometry: list[int] = field(default_factory=list)
    maximized: bool = False
    pane: str = ""
    welcomed: bool = False

    @classmethod
    def load(cls, path: Path) -> WindowState:
        """The saved state, or the defaults when there is none or it cannot be read (never an error)."""
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()
        geometry = raw.get("geometry")
        ok = isinstance(geometry, list) and len(geometry) == 4 and all(isinstance(v, int) for v in geometry)
        return cls(geometry=list(geometry) if ok else [], maximized=bool(raw.get("maximized", False)),
                   pane=str(raw.get("pane") or ""), welcomed=bool(raw.get("welcomed", False)))

    def save(self, path: Path) -> None:
        """Write atomically (a crash mid-write leaves the old file); a folder that is gone is skipped."""
        path = Path(path)
        if not path.parent.is_dir():
            return
        fd, tmp = tempfile.mkstemp(prefix=".window-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(asdict(self), f, indent=1)
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)


def screens() -> list[QRect]:
    """The available area of each screen (without panels and docks)."""
    return [s.availableGeometry() for s in QGuiApplication.screens()]


def default_geometry(available: QRect) -> QRect:
    """A roomy window centred on ``available``: up to 1440×920, at most 92% of the screen."""
    w = min(DEFAULT_SIZE[0], int(available.width() * 0.92))
    h = min(DEFAULT_SIZE[1], int(available.height() * 0.92))
    return QRect(available.x() + (available.width() - w) // 2, available.y() + (available.height() - h) // 2, w, h)


def fit_on_screen(saved: QRect, areas: list[QRect], minimum: tuple[int, int] = (0, 0)) -> QRect:
    """``saved`` if its title bar is on a screen; else moved (and shrunk) onto the screen nearest to it."""
    if not areas:
        return saved
    title = QRect(saved.x(), saved.y(), saved.width(), 32)
    for area in areas:
        overlap = area.intersected(title)
        if overlap.width() >= min(MIN_VISIBLE, saved.width()) and overlap.height() > 0:
            if saved.width() <= area.width() and saved.height() <= area.height():
                return saved
    centre = saved.center()
    area = min(areas, key=lambda a: _distance(a, centre))
    w = max(min(saved.width(), area.width()), min(minimum[0], area.width()))
    h = max(min(saved.height(), area.height()), min(minimum[1], area.height()))
    x = min(max(saved.x(), area.x()), area.x() + area.width() - w)
    y = min(max(saved.y(), area.y()), area.y() + area.height() - h)
    return QRect(x, y, w, h)


def _distance(area: QRect, p: QPoint) -> int:
    if area.contains(p):
        return 0
    dx = max(area.left() - p.x(), 0, p.x() - area.right())
    dy = max(area.top() - p.y(), 0, p.y() - area.bottom())
    return dx * dx + dy * dy
