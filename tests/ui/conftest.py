"""UI test fixtures: real services on a temporary data folder, the embedded model borrowed, a window."""
from __future__ import annotations

import time
from typing import Any

import pytest


@pytest.fixture
def ui_services(services, shared_llm, shared_embedder):
    """Services with the embedded model already loaded and short, greedy answers (fast tests)."""
    services.settings_store.update({"generation.max_tokens": "12", "generation.temperature": "0"})
    services.set_llm(shared_llm)   # a loan: closing the services keeps it open
    services.set_embedder(shared_embedder)
    services.persona.set_model_use(False, False)   # its background model work would only slow these UI tests down
    return services


@pytest.fixture
def window(qtbot, ui_services):
    from ui.main_window import MainWindow

    w = MainWindow(ui_services)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.model_status.state == "ready", timeout=30_000)
    yield w
    w.shutdown()


class GapMeter:
    """Watches the GUI thread while a job runs: a 10 ms timer must keep firing.

    If the work ran on the GUI thread the timer could not fire until it ended, so the
    longest gap would be the whole job. ``check()`` demands ticks during the job and a
    longest gap under half its duration (the machine may be loaded, so no fixed bound).
    """

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.busy: Any = lambda: False
        self.last = 0.0
        self.first = 0.0
        self.max_gap = 0.0
        self.ticks = 0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def watch(self, busy: Any) -> None:
        self.busy = busy
        self.first = self.last = time.monotonic()

    def _tick(self) -> None:
        now = time.monotonic()
        if self.busy():
            self.max_gap = max(self.max_gap, now - self.last)
            self.ticks += 1
        self.last = now

    def check(self) -> None:
        duration = self.last - self.first
        assert self.ticks >= 3, f"the GUI thread ran only {self.ticks} timer ticks during the job"
        assert self.max_gap < max(0.3, 0.5 * duration), (
            f"the GUI thread was blocked for {self.max_gap:.2f} s of a {duration:.2f} s job")

    def stop(self) -> None:
        self.timer.stop()


@pytest.fixture
def gap_meter(qtbot):
    meter = GapMeter()
    yield meter
    meter.stop()


@pytest.fixture(autouse=True)
def _collect_qt_garbage_on_the_gui_thread():
    """Free a finished test's Qt wrappers here, on the GUI thread.

    Otherwise Python's cyclic GC may run inside a worker thread (e.g. the next test's
    Services build) and destroy Qt objects there, which crashes Qt intermittently.
    """
    yield
    import gc

    gc.collect()
