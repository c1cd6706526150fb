"""The window comes back at its last size, position and pane (window.json in the data folder), always on a screen."""
from __future__ import annotations

import json

from PySide6.QtCore import QRect

from ui.window_state import WindowState, default_geometry, fit_on_screen

SCREEN = QRect(0, 0, 1400, 900)


def test_a_position_on_a_screen_is_kept():
    saved = QRect(100, 80, 1200, 780)
    assert fit_on_screen(saved, [SCREEN]) == saved


def test_a_window_left_on_a_lost_second_screen_comes_back_onto_the_one_there_is():
    saved = QRect(2100, 120, 1200, 780)          # was on a monitor to the right
    rect = fit_on_screen(saved, [SCREEN])
    assert SCREEN.contains(rect), rect
    assert rect.size() == saved.size()


def test_a_window_larger_than_the_new_screen_shrinks_to_it():
    rect = fit_on_screen(QRect(-50, -40, 2500, 1500), [SCREEN], (860, 560))
    assert SCREEN.contains(rect) and rect.width() == 1400 and rect.height() == 900


def test_title_bar_above_the_screen_is_brought_down():
    rect = fit_on_screen(QRect(200, -500, 900, 600), [SCREEN])
    assert rect.y() >= 0 and SCREEN.contains(rect)


def test_default_is_roomy_but_inside_the_screen():
    rect = default_geometry(SCREEN)
    assert SCREEN.contains(rect)
    assert rect.width() >= 1250 and rect.height() >= 800   # not ~1150×745 on a 1400×900 screen


def test_state_file_round_trip_and_bad_files(tmp_path):
    path = tmp_path / "window.json"
    assert WindowState.load(path) == WindowState()
    WindowState(geometry=[1, 2, 900, 600], maximized=True, pane="Memory", welcomed=True).save(path)
    assert WindowState.load(path) == WindowState([1, 2, 900, 600], True, "Memory", True)
    path.write_text("{not json", encoding="utf-8")
    assert WindowState.load(path) == WindowState()          # unreadable: defaults, never an error
    path.write_text(json.dumps({"geometry": [1, "x", 3], "pane": "Memory"}), encoding="utf-8")
    assert WindowState.load(path) == WindowState(pane="Memory")
    WindowState().save(tmp_path / "gone" / "window.json")   # a folder that is gone: skipped


def test_the_window_remembers_size_position_and_pane(qtbot, tmp_path):
    from ui.main_window import MainWindow

    path = tmp_path / "window.json"
    w = MainWindow(None, state_file=path)
    qtbot.addWidget(w)
    w.show()
    w.resize(860, 640)   # Qt's offscreen screen is 800×800; the minimum width is 860
    w.move(40, 30)
    w.show_pane("Autofill")
    w.close()
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["pane"] == "Autofill" and saved["geometry"][2:] == [860, 640]

    again = MainWindow(None, state_file=path)
    qtbot.addWidget(again)
    assert again.size().width() == 860 and again.size().height() == 640
    assert again.sidebar.currentItem().text() == "Autofill"
    again.show()
    screen = again.screen().availableGeometry()
    assert screen.intersects(again.frameGeometry())
    again.close()


def test_an_off_screen_position_is_not_restored(qtbot, tmp_path):
    from ui.main_window import MainWindow

    path = tmp_path / "window.json"
    WindowState(geometry=[9000, 7000, 900, 600]).save(path)
    w = MainWindow(None, state_file=path)
    qtbot.addWidget(w)
    w.show()
    assert w.screen().availableGeometry().contains(w.geometry().topLeft())
    w.close()


def test_no_state_file_writes_nothing(qtbot, tmp_path):
    from ui.main_window import MainWindow

    w = MainWindow(None)
    qtbot.addWidget(w)
    w.show()
    w.close()
    assert not list(tmp_path.iterdir())
