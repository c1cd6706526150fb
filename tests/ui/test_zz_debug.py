import faulthandler, time, threading
def test_dbg(qtbot, home):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QWidget
    from app import desktop
    from ui.main_window import MainWindow
    app = QApplication.instance()
    def poll():
        wins = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if wins and wins[0].services is not None and wins[0].model_status.state in ("ready", "failed"):
            wins[0].close(); app.quit()
    t = QTimer(); t.timeout.connect(poll); t.start(20)
    desktop.main(["mnemo"])
    t.stop()
    from ui.workers import Job
    p = QWidget()
    job = Job(p, lambda ctx: 42, "x").start()
    t0 = time.time()
    while not job.finished and time.time() - t0 < 8:
        app.processEvents(); time.sleep(0.01)
    print("finished", job.finished, "thread alive", job._thread.is_alive(), [th.name for th in threading.enumerate()])
    if not job.finished:
        faulthandler.dump_traceback(all_threads=True)
    assert job.finished
