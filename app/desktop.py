"""``mnemo-desktop`` / ``python -m app``: show the main window at once, then open the data folder.

The window is painted before anything slow happens: the services (database migrations,
feature services) are built in a background job and attached when ready, and the model
then loads in the background with its status in the status bar.
``--first-paint`` prints the seconds from process start to the first paint and quits
(used by the tests and to check the < 1.5 s budget).
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from app.services import Services


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


def _qt_running() -> bool:
    """A QApplication already runs (tests, ``make screenshots``): its platform plugin loaded."""
    qt = sys.modules.get("PySide6.QtWidgets")
    return qt is not None and qt.QApplication.instance() is not None


class Desktop:
    """The running app: the window at once, the services built in the background, then the model."""

    def __init__(self, app: Any, on_fatal: Any = None) -> None:
        from app.paths import default_home
        from ui.main_window import MainWindow
        from ui.theme import apply_interface
        from ui.window_state import FILE_NAME
        from ui.workers import Job

        self.app = app
        self.services: Services | None = None
        self._on_fatal = on_fatal
        self.embedder_ready_at: float | None = None   # process age when the first query vector was made
        apply_interface(app, None)
        self.window = MainWindow(None, state_file=default_home() / FILE_NAME)   # last size, position, pane
        self.window.show()
        self.opening = Job(self.window, self._build, "Opening the data folder").success(self._attach).failure(self._failed)
        self.opening.start()

    def _build(self, _ctx: Any) -> Services:
        import threading

        from app.services import Services

        services = Services()
        services.preload_model()   # beside the features and panes; the window's model job waits for it

        def warm_embedder() -> None:   # the query graph loads in native code too, beside the features
            try:
                services.embedder.embed(["warm-up"])
                self.embedder_ready_at = self.embedder_ready_at or _process_age()
            except Exception:  # the first search meets the same error and reports it
                pass

        threading.Thread(target=warm_embedder, name="mnemo-embedder-warm-up", daemon=True).start()
        services.build_features()  # here, not on the UI thread when the panes first ask for them
        return services

    def _attach(self, services: Services) -> None:
        from ui.theme import apply_interface
        from ui.workers import Job

        self.services = services
        apply_interface(self.app, services.settings.interface)

        # Load the embedder now, in the background while the panes are built, rather than in the
        # middle of the first question or import; then keep the watched folders in sync.
        def warm_up(ctx: Any) -> None:
            services.embedder.embed(["warm-up"])  # the ONNX graph when it is made, else torch
            self.embedder_ready_at = self.embedder_ready_at or _process_age()
            if not ctx.cancel.cancelled:
                services.documents.start_watching()
            if not ctx.cancel.cancelled and services.fast_queries_missing():
                services.prepare_fast_queries()  # once per embedder: later starts skip torch for queries

        Job(self.window, warm_up, "Preparing document search").start()
        self.window.attach(services)   # builds the panes and starts loading the model first

    def _failed(self, exc: BaseException) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(self.window, "Mnemo cannot start", str(exc))
        if self._on_fatal is not None:
            self._on_fatal()

    def close(self) -> None:
        """Stop background work, then close the data folder."""
        self.window.shutdown()
        self.window.close()
        if self.services is not None:
            self.services.documents.stop_watching()
            self.services.close()
            self.services = None


def main(argv: Sequence[str] | None = None) -> int:
    args = list(argv) if argv is not None else sys.argv
    from app.qt_libs import check

    problem = None if _qt_running() else check(argv=args)
    if problem:   # Qt would abort with "Reinstalling the application may fix this problem"
        print(problem, file=sys.stderr)
        return 1
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([a for a in args if a not in ("--first-paint", "--ready")])
    app.setApplicationName("Mnemo")
    app.setOrganizationName("Mnemo")
    app.setDesktopFileName("mnemo")
    from ui.icons import app_icon

    app.setWindowIcon(app_icon())   # title bar and task bar
    if "--first-paint" in args:
        from ui.main_window import MainWindow
        from ui.theme import apply_interface

        apply_interface(app, None)
        window = MainWindow(None)
        painted: list[float] = []

        class _FirstPaint(QObject):
            def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
                if event.type() == QEvent.Type.Paint and not painted:
                    painted.append(_process_age())
                    QTimer.singleShot(0, app.quit)
                return False

        probe = _FirstPaint()
        window.installEventFilter(probe)
        window.show()
        app.exec()
        print(f"first paint after {painted[0] if painted else 0:.3f} s")
        return 0
    desktop = Desktop(app, on_fatal=app.quit)
    if "--ready" in args:
        _report_ready(app, desktop)
    try:
        return app.exec()
    finally:
        desktop.close()


def _report_ready(app: Any, desktop: Desktop) -> None:
    """``mnemo-desktop --ready`` (bench/startup.py): print when the window painted and when model and embedder were ready."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    marks: dict[str, float] = {}

    class _Paint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                marks.setdefault("painted", _process_age())
            return False

    probe = _Paint(app)
    desktop.window.installEventFilter(probe)

    def poll() -> None:
        s = desktop.services
        if s is not None:
            marks.setdefault("services", _process_age())
        if s is not None and s.llm_loaded:
            marks.setdefault("model", _process_age())
        if "painted" in marks and "model" in marks and desktop.embedder_ready_at is not None:
            ready = max(marks["model"], desktop.embedder_ready_at)
            print(f"window painted after {marks['painted']:.3f} s; data folder open and panes built after {marks['services']:.3f} s; "
                  f"model loaded after {marks['model']:.3f} s, embedder after {desktop.embedder_ready_at:.3f} s: "
                  f"ready {ready - marks['painted']:.3f} s after the window painted", flush=True)
            timer.stop()
            app.quit()

    timer = QTimer(app)
    timer.timeout.connect(poll)
    timer.start(20)


if __name__ == "__main__":
    raise SystemExit(main())
