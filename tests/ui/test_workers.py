"""Background jobs: results, progress and streamed items reach the GUI thread; errors shown one way."""
from __future__ import annotations

import threading
import time

from PySide6.QtWidgets import QWidget

from core.errors import Cancelled, MnemoError
from core.jobs import Progress
from ui.workers import Job, describe_error


def test_job_delivers_results_progress_and_items_on_the_gui_thread(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    gui = threading.get_ident()
    seen: dict[str, list] = {"threads": [], "progress": [], "items": [], "result": []}
    worker_thread: list[int] = []

    def work(ctx):
        worker_thread.append(threading.get_ident())
        for i in range(1, 4):
            ctx.emit(f"tok{i}")
            ctx.progress(Progress(i, 3, "step"))
        return 42

    def on(kind):
        def cb(value):
            seen["threads"].append(threading.get_ident())
            seen[kind].append(value)
        return cb

    job = Job(parent, work, "Testing").progress(on("progress")).items(on("items")).success(on("result")).start()
    qtbot.waitUntil(lambda: job.finished, timeout=5000)
    assert seen["result"] == [42]
    assert seen["items"] == ["tok1", "tok2", "tok3"]
    assert seen["progress"][-1].done == 3          # the final report always arrives
    assert worker_thread and worker_thread[0] != gui
    assert set(seen["threads"]) == {gui}


def test_cancel_raises_in_the_job_and_is_not_shown_as_an_error(qtbot, window):
    def work(ctx):
        while True:
            ctx.cancel.raise_if_cancelled()
            time.sleep(0.01)

    job = Job(window, work, "Counting sheep").start()
    job.cancel()
    qtbot.waitUntil(lambda: job.finished, timeout=5000)
    assert isinstance(job.error, Cancelled)
    assert window.message_bar.kind == "note"
    assert "cancelled" in window.message_bar.title.text()


def test_errors_appear_in_the_message_bar_with_what_to_do(qtbot, window):
    def work(ctx):
        raise MnemoError("The file is not a PDF.", "Pick a .pdf file.")

    job = Job(window, work, "Opening a form").start()
    qtbot.waitUntil(lambda: job.finished, timeout=5000)
    assert window.message_bar.isVisible() and window.message_bar.kind == "error"
    assert window.message_bar.title.text() == "Opening a form failed: The file is not a PDF."
    assert "Pick a .pdf file." in window.message_bar.hint.text()
    # an unexpected exception still says what to do next
    message, hint = describe_error(KeyError("x"), "Importing")
    assert message.startswith("Importing failed") and "log" in hint


def test_no_callback_after_the_widget_is_gone(qtbot):
    parent = QWidget()
    called = []
    gate = threading.Event()
    job = Job(parent, lambda ctx: gate.wait(5), "Waiting").success(called.append).start()
    parent.deleteLater()
    qtbot.wait(50)
    gate.set()
    qtbot.waitUntil(lambda: job.finished, timeout=5000)
    assert called == []
