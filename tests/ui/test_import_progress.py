"""Per-folder import progress: rows planned off the GUI thread, moved by a real import's reports, with ETAs."""
from __future__ import annotations

from core.jobs import Progress


def test_rows_per_folder_follow_the_import(qtbot, services, shared_embedder, tmp_path) -> None:
    from ui.widgets.import_progress import ImportProgress

    services.set_embedder(shared_embedder)
    notes, mail = tmp_path / "Notes", tmp_path / "Mail"
    notes.mkdir()
    mail.mkdir()
    for i in range(3):
        (notes / f"n{i}.txt").write_text(f"Note {i}. " + "Some words about the garden. " * 30, encoding="utf-8")
    (mail / "m.txt").write_text("A mail about the boiler. " * 40, encoding="utf-8")
    reports: list[Progress] = []
    services.documents.import_paths([notes, mail], progress=reports.append)

    w = ImportProgress()
    qtbot.addWidget(w)
    w.begin("Importing documents…", on_cancel=lambda: None, paths=[notes, mail])
    w.update_progress(reports[0])                                  # before the plan is ready: kept
    qtbot.waitUntil(lambda: w.tracker is not None, timeout=10_000)
    assert [r.folder for r in w.rows] == [str(notes), str(mail)]
    assert w.rows[0].state == "reading" and w.rows[1].state == "waiting"
    names = [w._cells[i][0].text() for i in range(2)]
    assert names == ["Notes", "Mail"]
    at_mail = next(p for p in reports if p.message == str(mail / "m.txt"))
    w.update_progress(at_mail)
    assert [r.state for r in w.rows] == ["done", "reading"]
    assert w._cells[0][2].text() == "3 of 3 files" and w._cells[0][3].text() == "done"
    assert w._cells[1][2].text() == "0 of 1 files" and w._cells[1][1].value() < 1000
    w.update_progress(reports[-1])
    assert [r.state for r in w.rows] == ["done", "done"] and w._cells[1][1].value() == 1000
    assert w.label is w.panel.label            # a drop-in for ProgressPanel where the documents pane sets the label
    w.end()
    assert not w.isVisible()


def test_without_paths_it_is_the_plain_progress_panel(qtbot) -> None:
    from ui.widgets.import_progress import ImportProgress

    w = ImportProgress()
    qtbot.addWidget(w)
    w.begin("Scanning…")
    w.update_progress(Progress(1, 4, "x"))
    assert w.tracker is None and w.panel.bar.value() == 1 and not w.folders.isVisible()


def test_folders_of_the_same_name_are_told_apart() -> None:
    from ui.widgets.import_progress import _names

    assert _names(["/p/fiona/docs/Notes", "/p/fiona/docs", "/p/kat/docs"]) == ["Notes", "fiona/docs", "kat/docs"]
