"""Apply the interface settings (theme, font size) to the running application.

Fusion everywhere (one look on every OS) with Mnemo's own palette in a light and a dark
variant (not every platform honours a requested colour scheme, and Fusion's default grey is
flat); "system" picks the variant the platform asks for. ``tests/ui/test_theme.py`` checks
the contrast of every text colour against its background.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication, QTextBrowser

if TYPE_CHECKING:
    from core.settings.schema import InterfaceSettings

SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark, "system": Qt.ColorScheme.Unknown}


LIGHT = {
    "Window": "#f5f6f8", "WindowText": "#1f2328", "Base": "#ffffff", "AlternateBase": "#eceef3",
    "Text": "#1f2328", "Button": "#fbfbfc", "ButtonText": "#1f2328", "Highlight": "#4f46e5",
    "HighlightedText": "#ffffff", "ToolTipBase": "#1f2328", "ToolTipText": "#f5f6f8",
    "PlaceholderText": "#5f6670", "Link": "#3730c4", "LinkVisited": "#6d28d9", "Mid": "#c4c8d0",
    "Midlight": "#e2e5eb", "Dark": "#9aa0a9", "Light": "#ffffff", "Shadow": "#70757e", "BrightText": "#ffffff",
    "Accent": "#4f46e5",
}
DARK = {
    "Window": "#1d1f24", "WindowText": "#e6e7eb", "Base": "#15161a", "AlternateBase": "#262830",
    "Text": "#e6e7eb", "Button": "#2a2c34", "ButtonText": "#e6e7eb", "Highlight": "#5257dc",
    "HighlightedText": "#ffffff", "ToolTipBase": "#2a2c34", "ToolTipText": "#e6e7eb",
    "PlaceholderText": "#9ba1ab", "Link": "#a9b6ff", "LinkVisited": "#c8b5ff", "Mid": "#3b3e48",
    "Midlight": "#30323b", "Dark": "#0d0e11", "Light": "#444754", "Shadow": "#000000", "BrightText": "#ffffff",
    "Accent": "#5257dc",
}
DISABLED = {"light": "#9aa0a9", "dark": "#6c717b"}


def palette(scheme: str) -> QPalette:
    """Mnemo's palette, ``"light"`` or ``"dark"``: one accent (the icon's indigo), text at AA contrast or better."""
    colours = DARK if scheme == "dark" else LIGHT
    p = QPalette()
    for name, colour in colours.items():
        p.setColor(getattr(QPalette.ColorRole, name), QColor(colour))   # every colour group
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(DISABLED["dark" if scheme == "dark" else "light"]))
    return p


def dark_palette() -> QPalette:
    return palette("dark")


def is_dark(p: QPalette) -> bool:
    return p.color(QPalette.ColorRole.Window).lightness() < 128


def attention_background(p: QPalette) -> QColor:
    """A soft amber behind a cell that needs the user (an empty proposed value), readable under either text colour."""
    return QColor("#4a3a17") if is_dark(p) else QColor("#fff1d6")


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two colours (1 … 21)."""
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def scheme_for(app: QApplication, theme: str) -> str:
    """"light" or "dark": the one chosen, or for "system" what the platform asks for (light when it does not say)."""
    if theme in ("light", "dark"):
        return theme
    return "dark" if app.styleHints().colorScheme() == Qt.ColorScheme.Dark else "light"


def app_style() -> str:
    """The few rules Fusion needs on top of the palette: input frames and check boxes that show on a dark
    window too (Fusion draws their outline a shade darker than the window, invisible on near-black)."""
    from ui.icons import ASSETS

    tick = (ASSETS / "icons" / "check.svg").as_posix()
    return f"""
QLineEdit, QPlainTextEdit, QTextEdit {{ border: 1px solid palette(mid); border-radius: 4px; padding: 2px 4px;
                                        background: palette(base); }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border-color: palette(highlight); }}
QAbstractItemView QLineEdit {{ border: none; border-radius: 0; padding: 0; }}
QCheckBox::indicator {{ width: 14px; height: 14px; border: 1px solid palette(placeholder-text); border-radius: 3px;
                       background: palette(base); }}
QCheckBox::indicator:hover {{ border-color: palette(highlight); }}
QCheckBox::indicator:checked {{ background: palette(highlight); border-color: palette(highlight); image: url({tick}); }}
QCheckBox::indicator:disabled {{ background: palette(window); border-color: palette(mid); }}
"""


def apply_interface(app: QApplication, interface: InterfaceSettings | None) -> None:
    """The chosen colour scheme and font size (``interface`` may be None: defaults)."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    font = app.font()
    size = interface.font_size if interface is not None else 0
    if size and font.pointSize() != size:
        font.setPointSize(size)
        app.setFont(font)
    theme = interface.theme if interface is not None else "system"
    app.styleHints().setColorScheme(SCHEMES.get(theme, Qt.ColorScheme.Unknown))   # Qt >= 6.8 (pinned 6.12)
    app.setPalette(palette(scheme_for(app, theme)))
    app.setStyleSheet(app_style())   # palette(...) in it resolves to the palette just set
    for w in app.allWidgets():   # style sheets resolve palette(...) when set: set them again
        sheet = w.styleSheet()
        if sheet:
            w.setStyleSheet(sheet)
    from ui.icons import retint

    retint(app)
    link = app.palette().color(QPalette.ColorRole.Link)
    for w in app.allWidgets():
        if isinstance(w, QTextBrowser):
            relink(w.document(), link)


def relink(doc: QTextDocument, colour: QColor) -> int:
    """Give every link already laid out in ``doc`` the colour ``colour``; return how many.

    A text browser bakes the link colour into its document when the HTML is set, so after a
    theme change its links kept the old one (dark blue on near-black). The text is not touched.
    """
    n = 0
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.isValid() and frag.charFormat().isAnchor():
                cursor = QTextCursor(doc)
                cursor.setPosition(frag.position())
                cursor.setPosition(frag.position() + frag.length(), QTextCursor.MoveMode.KeepAnchor)
                fmt = QTextCharFormat()
                fmt.setForeground(colour)
                cursor.mergeCharFormat(fmt)
                n += 1
            it += 1
        block = block.next()
    return n
