"""Does this Linux have the shared libraries Qt's xcb platform plugin needs? If not, say which and how to get them.

Qt's own answer to a missing ``libxcb-cursor0`` is "Could not load the Qt platform plugin xcb …
Reinstalling the application may fix this problem", and then an abort: it does not say which
library, and reinstalling Mnemo does not help. The list below is what ``ldd`` shows for
PySide6's ``plugins/platforms/libqxcb.so`` and ``lib/libQt6XcbQpa.so.6`` (PySide6 6.12), with the
Debian/Ubuntu package of each. Standard library only: ``make run`` calls it with the system
Python before the virtual environment exists (``python3 -m app.qt_libs --missing-packages``).
"""
from __future__ import annotations

import argparse
import ctypes
import os
import sys
from typing import Callable, Mapping, Sequence

# shared object → Debian/Ubuntu package, as the xcb plugin links them.
XCB_LIBS: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def loadable(soname: str) -> bool:
    """Can the dynamic loader find ``soname``, as it would for Qt (system paths, ldconfig cache, LD_LIBRARY_PATH)?"""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries(found: Callable[[str], bool] | None = None) -> list[str]:
    """The shared objects of ``XCB_LIBS`` the loader cannot find (empty when Qt's xcb plugin can load);
    ``found`` replaces the loader (tests)."""
    found = found or loadable
    return [so for so in XCB_LIBS if not found(so)]


def packages_for(libraries: Sequence[str]) -> list[str]:
    return [XCB_LIBS[so] for so in libraries if so in XCB_LIBS]


def install_command(packages: Sequence[str]) -> str:
    return "sudo apt-get install -y " + " ".join(packages)


def missing_message(libraries: Sequence[str]) -> str:
    """One message: what is missing, and the command that installs it."""
    return (f"Mnemo cannot open its window: Qt's xcb platform plugin needs {len(libraries)} system "
            f"librar{'y' if len(libraries) == 1 else 'ies'} that this system lacks ({', '.join(libraries)}).\n"
            f"Install {'it' if len(libraries) == 1 else 'them'} with:\n    {install_command(packages_for(libraries))}\n"
            "(`make run` does this itself when apt-get can be used.) On another distribution, install the "
            "packages that provide these files.")


def uses_xcb(env: Mapping[str, str] | None = None, argv: Sequence[str] = (), platform: str | None = None) -> bool:
    """Will Qt pick its xcb plugin? Yes when asked for (``QT_QPA_PLATFORM=xcb``, ``-platform xcb``), or by default
    on Linux outside a Wayland session."""
    env = os.environ if env is None else env
    if not (platform or sys.platform).startswith("linux"):
        return False
    args = list(argv)
    if "-platform" in args[:-1]:
        return args[args.index("-platform") + 1].split(":")[0].split(";")[0] == "xcb"
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0] == "xcb"
    return not env.get("WAYLAND_DISPLAY")


def check(env: Mapping[str, str] | None = None, argv: Sequence[str] = (),
          found: Callable[[str], bool] | None = None) -> str | None:
    """None when Qt can open a window here; otherwise the message to show (before any QApplication exists)."""
    if not uses_xcb(env, argv):
        return None
    missing = missing_libraries(found)
    return missing_message(missing) if missing else None


def doctor_line(found: Callable[[str], bool] | None = None) -> tuple[bool, str]:
    """``mnemo doctor``'s line: (ok, text)."""
    if not sys.platform.startswith("linux"):
        return True, "Qt window libraries: not needed on this system"
    missing = missing_libraries(found)
    if not missing:
        return True, f"Qt window libraries (xcb): all {len(XCB_LIBS)} present"
    return False, ("Qt window libraries (xcb): WARNING the desktop window cannot open, missing " + ", ".join(missing)
                   + f"; install with: {install_command(packages_for(missing))}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the shared libraries Qt's xcb platform plugin needs.")
    parser.add_argument("--missing-packages", action="store_true",
                        help="print the Debian packages to install, one line, nothing when none is missing")
    parser.add_argument("--packages", action="store_true", help="print every package the plugin needs, one line")
    args = parser.parse_args(argv)
    if args.packages:
        print(" ".join(dict.fromkeys(XCB_LIBS.values())))
        return 0
    missing = missing_libraries() if sys.platform.startswith("linux") else []
    if args.missing_packages:
        if missing:
            print(" ".join(packages_for(missing)))
        return 0
    print(missing_message(missing) if missing else "Qt's xcb platform plugin has every library it needs.")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
