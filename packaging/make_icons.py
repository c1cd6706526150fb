"""Render assets/mnemo.svg to the PNG sizes desktops want (assets/icons/mnemo-<N>.png), with Qt.

Run: QT_QPA_PLATFORM=offscreen python packaging/make_icons.py
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def main() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv)  # noqa: F841 - needed for painting
    renderer = QSvgRenderer(str(ROOT / "assets" / "mnemo.svg"))
    if not renderer.isValid():
        print("assets/mnemo.svg is not a valid SVG", file=sys.stderr)
        return 1
    out = ROOT / "assets" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    for n in SIZES:
        img = QImage(n, n, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(p)
        p.end()
        img.save(str(out / f"mnemo-{n}.png"))
    print(f"wrote {len(SIZES)} icons to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
