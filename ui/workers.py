"""Run core work off the GUI thread and hand results back to it (after Anki's CollectionOp/QueryOp).

A ``Job`` wraps ``fn(ctx)`` where ``ctx`` carries the ``progress`` callback, the
``cancel`` token and ``emit`` (for streamed values such as tokens), exactly the
conventions of ``core.jobs``. Callbacks chained with ``.success()``, ``.failure()``,
``.progress()`` and ``.items()`` always run on the GUI thread, and never after the
widget that started the job is gone. A job without a failure callback reports its error
through ``report_error``: the one way errors are shown in the app.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Generic, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget
from shiboken6 import isValid

from core.errors import Cancelled, MnemoError
from core.jobs import CancelToken, Progress
from ui.ports import host_of

log = logging.getLogger(__name__)
T = TypeVar("T")

PROGRESS_INTERVAL_S = 0.05   # at most 20 progress repaints a second


class JobContext:
    """What the background function receives: ``progress(Progress)``, ``cancel`` and ``emit(value)``."""

    def __init__(self, job: "Job[Any]") -> None:
        self._job = job
        self.cancel: CancelToken = job.cancel_token
        self._last = 0.0

    def progress(self, p: Progress) -> None:
        now = time.monotonic()
        final = bool(p.total) and p.done >= p.total
        if final or now - self._last >= PROGRESS_INTERVAL_S:
            self._last = now
            self._job._bridge.progressed.emit(p)

    def emit(self, value: Any) -> None:
        self._job._bridge.item.emit(value)


class _Bridge(QObject):
    """Lives on the GUI thread; signals emitted from the worker arrive there queued."""

    progressed = Signal(object)
    item = Signal(object)
    done = Signal(object, object)  # (result, exception)


_running: set["Job[Any]"] = set()


def running_jobs() -> list["Job[Any]"]:
    return list(_running)


def cancel_all(wait_s: float = 5.0) -> None:
    """Cancel every running job and wait (a little) for their threads; used on shutdown."""
    jobs = list(_running)
    for job in jobs:
        job.cancel()
    deadline = time.monotonic() + wait_s
    for job in jobs:
        if job._thread is not None:
            job._thread.join(max(0.0, deadline - time.monotonic()))


class Job(Generic[T]):
    """One piece of background work with GUI-thread callbacks.

    ``Job(parent, fn, "Importing documents").success(cb).progress(cb).start()``
    """

    def __init__(self, parent: QWidget | None, fn: Callable[[JobContext], T], action: str) -> None:
        self.parent = parent
        self.fn = fn
        self.action = action
        self.cancel_token = CancelToken()
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._on_progress: Callable[[Progress], None] | None = None
        self._on_item: Callable[[Any], None] | None = None
        self._on_finished: Callable[[], None] | None = None
        self._bridge = _Bridge()
        self._bridge.progressed.connect(self._deliver_progress)
        self._bridge.item.connect(self._deliver_item)
        self._bridge.done.connect(self._deliver_done)
        self._thread: threading.Thread | None = None
        self.result: T | None = None
        self.error: BaseException | None = None
        self.finished = False
        self.started_at = 0.0

    # ---- chaining --------------------------------------------------------------------------
    def success(self, cb: Callable[[T], None]) -> "Job[T]":
        self._on_success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> "Job[T]":
        self._on_failure = cb
        return self

    def progress(self, cb: Callable[[Progress], None]) -> "Job[T]":
        self._on_progress = cb
        return self

    def items(self, cb: Callable[[Any], None]) -> "Job[T]":
        self._on_item = cb
        return self

    def finally_(self, cb: Callable[[], None]) -> "Job[T]":
        """Run ``cb`` after success or failure (e.g. re-enable buttons)."""
        self._on_finished = cb
        return self

    # ---- running ---------------------------------------------------------------------------
    def start(self) -> "Job[T]":
        ctx = JobContext(self)
        self.started_at = time.monotonic()
        _running.add(self)

        def run() -> None:
            result: Any = None
            error: BaseException | None = None
            try:
                result = self.fn(ctx)
            except BaseException as exc:  # handed to the GUI thread
                error = exc
                if not isinstance(exc, MnemoError):
                    log.exception("%s failed", self.action)
            if self.cancel_token.cancelled and error is None and result is None:
                error = Cancelled(f"{self.action} was cancelled.")
            self._bridge.done.emit(result, error)

        self._thread = threading.Thread(target=run, name=f"job: {self.action}", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self.cancel_token.cancel()

    @property
    def running(self) -> bool:
        return not self.finished

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker thread ends (tests and shutdown only); True if it ended."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _alive(self) -> bool:
        return self.parent is None or isValid(self.parent)

    def _deliver_progress(self, p: Progress) -> None:
        if self._on_progress is not None and self._alive() and not self.finished:
            self._on_progress(p)

    def _deliver_item(self, value: Any) -> None:
        if self._on_item is not None and self._alive():
            self._on_item(value)

    def _deliver_done(self, result: Any, error: BaseException | None) -> None:
        self.finished = True
        self.result, self.error = result, error
        _running.discard(self)
        if not self._alive():
            return
        try:
            if error is None:
                if self._on_success is not None:
                    self._on_success(result)
            elif self._on_failure is not None:
                self._on_failure(error)
            else:
                report_error(self.parent, error, self.action)
        finally:
            if self._on_finished is not None:
                self._on_finished()


def run_job(parent: QWidget | None, fn: Callable[[JobContext], T], action: str,
            on_success: Callable[[T], None] | None = None) -> Job[T]:
    """Shorthand for ``Job(parent, fn, action).success(on_success).start()``."""
    job: Job[T] = Job(parent, fn, action)
    if on_success is not None:
        job.success(on_success)
    return job.start()


# ---- the one way errors are shown -------------------------------------------------------------
def describe_error(exc: BaseException, action: str) -> tuple[str, str]:
    """(what happened, what to do next) for any exception."""
    if isinstance(exc, MnemoError):
        return f"{action} failed: {exc.message}", exc.hint or "Check the input and try again."
    text = str(exc).strip() or type(exc).__name__
    return (f"{action} failed: {text}",
            "This looks like a bug in Mnemo. Try again; if it keeps happening, the details are in the log "
            "file (logs/mnemo.log in the data folder).")


def report_error(widget: QWidget | None, exc: BaseException, action: str) -> None:
    """Show ``exc`` the Mnemo way: a message bar in the main window with what to do next.

    A cancellation is not an error: it only shows a short note in the status bar.
    """
    host = host_of(widget)
    if isinstance(exc, Cancelled):
        if host is not None:
            host.show_note(f"{action} was cancelled.")
        return
    message, hint = describe_error(exc, action)
    if host is not None:
        host.show_error(message, hint)
        return
    window = widget.window() if widget is not None and isValid(widget) else None
    box = QMessageBox(QMessageBox.Icon.Warning, "Mnemo", message, QMessageBox.StandardButton.Ok, window)
    box.setInformativeText(hint)
    box.open()  # not exec(): never block the caller
