"""The first-run welcome: shown once per data folder; imports a folder; shows who Mnemo thinks you are."""
from __future__ import annotations

import json


def _window(qtbot, ui_services):
    from ui.main_window import MainWindow
    from ui.window_state import FILE_NAME

    w = MainWindow(ui_services, state_file=ui_services.paths.home / FILE_NAME)
    qtbot.addWidget(w)
    w.show()
    return w


def test_the_welcome_imports_a_folder_and_then_shows_who_you_are(qtbot, ui_services, tmp_path):
    w = _window(qtbot, ui_services)
    try:
        qtbot.waitUntil(lambda: w.welcome is not None and w.welcome.isVisible(), timeout=5_000)
        welcome = w.welcome
        assert str(ui_services.paths.home) in " ".join(label.text() for label in welcome.findChildren(
            __import__("PySide6.QtWidgets").QtWidgets.QLabel))
        assert "does not know who you are yet" in welcome.owner.label.text()
        notes = tmp_path / "notes"
        notes.mkdir()
        (notes / "about-me.md").write_text("# About me\n\nMy name is Ada Novak. I live in Lisbon and I write to "
                                          "ada.novak@example.org.\n", encoding="utf-8")
        docs = w.panes["Documents"]
        with qtbot.waitSignal(docs.import_finished, timeout=120_000):
            welcome.start_import(str(notes))
        assert w.stack.currentWidget() is docs                   # the import shows its progress there
        qtbot.waitUntil(lambda: "Ada Novak" in welcome.owner.label.text(), timeout=10_000)
        assert "Mnemo thinks you are" in welcome.owner.label.text()
        assert welcome.owner.confirm_button.isVisible()          # confirm it, or correct it with "Not me…"
        welcome.start_button.click()
        assert not welcome.isVisible()
        saved = json.loads((ui_services.paths.home / "window.json").read_text(encoding="utf-8"))
        assert saved["welcomed"] is True
    finally:
        w.shutdown()
        w.close()


def test_the_welcome_is_shown_once_per_data_folder(qtbot, ui_services):
    w = _window(qtbot, ui_services)
    qtbot.waitUntil(lambda: w.welcome is not None and w.welcome.isVisible(), timeout=5_000)
    w.welcome.reject()                                        # closed with Esc counts as seen too
    w.shutdown()
    w.close()
    again = _window(qtbot, ui_services)
    qtbot.wait(100)
    assert again.welcome is None
    again.shutdown()
    again.close()


def test_a_window_without_a_state_file_shows_no_welcome(qtbot, window):
    qtbot.wait(100)
    assert window.welcome is None
