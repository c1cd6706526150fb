"""The check for Qt's xcb libraries: which are missing, the one message with its apt command, when it applies."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app import qt_libs

REPO = Path(__file__).resolve().parents[1]
LACKING = {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"}   # what a minimal Debian lacked


def fake_loader(lacking: set[str]):
    return lambda soname: soname not in lacking


def test_the_list_is_what_the_installed_plugin_links():
    """Every xcb/xkb library that ``ldd`` shows for PySide6's libqxcb.so is in the list (when ldd exists)."""
    import shutil

    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    ldd = shutil.which("ldd")
    plugin = qt / "plugins" / "platforms" / "libqxcb.so"
    if not ldd or not plugin.exists():
        return
    out = subprocess.run([ldd, str(plugin), str(qt / "lib" / "libQt6XcbQpa.so.6")], capture_output=True, text=True)
    linked = {line.split()[0] for line in out.stdout.splitlines()
              if line.strip().startswith(("libxcb", "libxkb", "libX11-xcb"))}
    assert linked and linked <= set(qt_libs.XCB_LIBS), linked - set(qt_libs.XCB_LIBS)


def test_missing_libraries_name_their_packages_and_the_command():
    missing = qt_libs.missing_libraries(fake_loader(LACKING))
    assert set(missing) == LACKING
    message = qt_libs.missing_message(missing)
    assert "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in message
    assert "libxcb-icccm.so.4" in message and "Reinstalling" not in message
    assert message.count("\n") <= 4   # one short message, not a wall of text


def test_nothing_missing_means_no_message():
    assert qt_libs.check({"QT_QPA_PLATFORM": "xcb"}, found=fake_loader(set())) is None
    ok, line = qt_libs.doctor_line(fake_loader(set()))
    assert ok and "present" in line


def test_doctor_line_names_what_is_missing():
    ok, line = qt_libs.doctor_line(fake_loader({"libxkbcommon-x11.so.0"}))
    if sys.platform.startswith("linux"):
        assert not ok and "WARNING" in line and "libxkbcommon-x11-0" in line


def test_the_check_applies_only_to_xcb():
    lacking = fake_loader(LACKING)
    assert qt_libs.check({"QT_QPA_PLATFORM": "offscreen"}, found=lacking) is None
    assert qt_libs.check({"WAYLAND_DISPLAY": "wayland-0"}, found=lacking) is None
    assert qt_libs.check({}, argv=["mnemo", "-platform", "offscreen"], found=lacking) is None
    assert not qt_libs.uses_xcb({}, platform="darwin")
    if sys.platform.startswith("linux"):
        assert qt_libs.check({"QT_QPA_PLATFORM": "xcb"}, found=lacking)
        assert qt_libs.check({"DISPLAY": ":0"}, found=lacking)   # Qt's default on X11
        assert qt_libs.check({"QT_QPA_PLATFORM": "offscreen"}, argv=["mnemo", "-platform", "xcb"], found=lacking)


def test_the_desktop_stops_with_the_message_before_qt_aborts(monkeypatch, capsys):
    """With a library missing, ``mnemo-desktop`` prints the message and exits 1 instead of Qt's abort."""
    code = ("import sys, app.qt_libs as q; q.loadable = lambda so: so != 'libxcb-icccm.so.4'; "
            "from app.desktop import main; sys.exit(main(['mnemo-desktop']))")
    env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "xcb", "DISPLAY": ":12345", "HOME": "/tmp"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    if sys.platform.startswith("linux"):
        assert out.returncode == 1, out.stderr
        assert "sudo apt-get install -y libxcb-icccm4" in out.stderr
        assert "PySide6.QtWidgets" not in out.stderr


def test_make_reads_the_packages_with_the_system_python():
    """``python3 -m app.qt_libs --missing-packages`` needs only the standard library (the venv may not exist)."""
    out = subprocess.run([sys.executable, "-S", "-m", "app.qt_libs", "--packages"], cwd=REPO,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "libxcb-cursor0" in out.stdout.split() and "libxkbcommon-x11-0" in out.stdout.split()
