"""One palette, light and dark: every text colour readable on its background; links readable on dark."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette

from ui.theme import contrast, palette

R = QPalette.ColorRole
PAIRS = [(R.Text, R.Base), (R.WindowText, R.Window), (R.ButtonText, R.Button), (R.HighlightedText, R.Highlight),
         (R.Link, R.Base), (R.Link, R.AlternateBase), (R.ToolTipText, R.ToolTipBase), (R.Text, R.AlternateBase),
         (R.PlaceholderText, R.Base), (R.PlaceholderText, R.Window)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_colour_has_aa_contrast(qapp, scheme):
    p = palette(scheme)
    for fg, bg in PAIRS:
        ratio = contrast(p.color(fg), p.color(bg))
        assert ratio >= 4.5, f"{scheme}: {fg.name} on {bg.name} is {ratio:.1f}:1"


def test_dark_links_are_light_not_dark_blue(qapp):
    p = palette("dark")
    assert p.color(R.Link).lightness() > 160 and contrast(p.color(R.Link), p.color(R.Base)) >= 7


def test_apply_interface_switches_the_palette_and_the_icons(qapp):
    from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPushButton

    from core.settings.schema import InterfaceSettings
    from ui.icons import set_icon, set_item_icon
    from ui.theme import apply_interface, is_dark

    apply_interface(qapp, InterfaceSettings(theme="light"))
    button = QPushButton("Send")
    set_icon(button, "send")
    sidebar = QListWidget()
    item = QListWidgetItem("Chat", sidebar)
    set_item_icon(item, "chat")
    light_icon = button.icon().pixmap(24, 24).toImage()
    light_item = item.icon().pixmap(24, 24).toImage()
    try:
        apply_interface(qapp, InterfaceSettings(theme="dark"))
        assert is_dark(qapp.palette())
        assert button.icon().pixmap(24, 24).toImage() != light_icon   # redrawn in the dark theme's text colour
        dark_item = item.icon().pixmap(24, 24).toImage()
        assert dark_item != light_item
        ink = [dark_item.pixelColor(x, y) for x in range(24) for y in range(24) if dark_item.pixelColor(x, y).alpha() > 200]
        assert ink and min(c.lightness() for c in ink) > 150              # light strokes on the dark sidebar
        apply_interface(qapp, InterfaceSettings(theme="light"))
        assert not is_dark(qapp.palette())
    finally:
        apply_interface(qapp, None)


def test_links_already_shown_follow_a_theme_change(qapp):
    """A text browser (the Documents pane's search results) keeps the link colour it was filled with."""
    from PySide6.QtWidgets import QTextBrowser

    from core.settings.schema import InterfaceSettings
    from ui.theme import apply_interface

    apply_interface(qapp, InterfaceSettings(theme="light"))
    browser = QTextBrowser()
    browser.setHtml("<p><a href='doc:1'>race-plan.md line 1</a><br>Training plan…</p><p><b><a href='doc:2'>two</a></b></p>")
    try:
        apply_interface(qapp, InterfaceSettings(theme="dark"))
        colours = set()
        block = browser.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fmt = it.fragment().charFormat()
                if fmt.isAnchor():
                    colours.add(fmt.foreground().color().name())
                it += 1
            block = block.next()
        assert colours == {palette("dark").color(R.Link).name()}
        assert "Training plan…" in browser.toPlainText()
    finally:
        apply_interface(qapp, None)
