"""``mnemo-desktop`` / ``python -m app``: show the main window at once, then open the data folder.

The window is painted before anything slow happens: the services (database migrations,
feature services) are built in a background job and attached when ready, and the model
then loads in the background with its status in the status bar.
``--first-paint`` prints the seconds from process start to the first paint and quits
(used by the tests and to check the < 1.5 s budget).
"""
from __future__ import annotations

import sys
from typing import Any, Sequence


def _process_age() -> float:
    """Seconds since this process started (Linux /proc; falls back to 0 elsewhere)."""
    try:
        import os

        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(argv) if argv is not None else sys.argv
    first_paint_probe = "--first-paint" in args
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.main_window import MainWindow
    from ui.theme import apply_interface
    from ui.workers import Job

    app = QApplication.instance() or QApplication([a for a in args if a != "--first-paint"])
    app.setApplicationName("Mnemo")
    app.setOrganizationName("Mnemo")
    app.setDesktopFileName("mnemo")
    apply_interface(app, None)
    window = MainWindow(None)
    state: dict[str, Any] = {"services": None, "painted": None}

    class _FirstPaint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and state["painted"] is None:
                state["painted"] = _process_age()
                if first_paint_probe:
                    QTimer.singleShot(0, app.quit)
            return False

    probe = _FirstPaint()
    window.installEventFilter(probe)
    window.show()
    if first_paint_probe:
        app.exec()
        print(f"first paint after {state['painted'] or 0:.3f} s")
        return 0

    def build(_ctx: Any) -> Any:
        from app.services import Services

        return Services()

    def attach(services: Any) -> None:
        state["services"] = services
        apply_interface(app, services.settings.interface)
        window.attach(services)
        docs = getattr(services, "documents", None)
        if docs is not None:
            # Load the embedder now (importing torch holds the GIL for a moment) rather than in the
            # middle of the first question or import; then keep the watched folders in sync.
            Job(window, lambda ctx: (services.embedder.embed(["warm-up"]), docs.start_watching()),
                "Preparing document search").start()

    def failed(exc: BaseException) -> None:
        QMessageBox.critical(window, "Mnemo cannot start", str(exc))
        app.quit()

    Job(window, build, "Opening the data folder").success(attach).failure(failed).start()
    try:
        return app.exec()
    finally:
        window.shutdown()
        if state["services"] is not None:
            docs = getattr(state["services"], "documents", None)
            if docs is not None:
                docs.stop_watching()
            state["services"].close()


if __name__ == "__main__":
    raise SystemExit(main())
