"""Documents pane with the real document service: import with progress, list, search, forget, watch."""
from __future__ import annotations

import pytest


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    topics = ["sourdough bread baking", "the garden tomatoes", "a trip to Lisbon", "tax return deadlines",
              "learning the cello", "the cat named Pixel"]
    for i in range(6):
        topic = topics[i % len(topics)]
        (folder / f"note{i:02d}.md").write_text(
            f"# Note {i} about {topic}\n\n" + f"Today I thought about {topic}. " * 40 + f"\n\nNumber {i}.\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    return folder


def _pane(window):
    pane = window.show_pane("Documents")
    assert pane.docs is window.services.documents
    return pane


def test_import_shows_progress_keeps_gui_responsive_and_lists_documents(qtbot, window, corpus, gap_meter):
    pane = _pane(window)
    assert pane.library.currentWidget() is pane.library_empty
    progress_seen = []
    with qtbot.waitSignal(pane.import_finished, timeout=120_000) as blocker:
        pane.import_paths([str(corpus)])
        gap_meter.watch(lambda: pane.job is not None and pane.job.running)
        assert pane.progress.isVisibleTo(pane) and pane.progress.panel.cancel_button.isEnabled()
        assert not pane.add_files_button.isEnabled()
        pane.progress.panel.bar.valueChanged.connect(progress_seen.append)
    report = blocker.args[0]
    assert len(report.imported) == 6 and any("broken.pdf" in p for p, _ in report.skipped)
    assert progress_seen, "the progress bar never moved"
    gap_meter.check()
    assert not pane.progress.isVisibleTo(pane) and pane.add_files_button.isEnabled()
    assert pane.library.currentWidget() is pane.table and pane.table.rowCount() == 7
    statuses = {pane.table.item(r, 0).text(): pane.table.item(r, 2) for r in range(pane.table.rowCount())}
    assert statuses["broken.pdf"].text() == "Failed" and statuses["broken.pdf"].toolTip()
    assert "6 imported" in pane.report_label.text() and pane.details_button.isVisibleTo(pane)

    with qtbot.waitSignal(pane.search_finished, timeout=60_000) as found:
        pane.search("cello lessons")
    hits = found.args[0]
    assert hits and "cello" in hits[0].text
    assert "note" in pane.results.toPlainText()

    pane.table.selectRow(0)
    doc_id = pane._selected_ids()[0]
    pane.forget_selected(confirm=False)
    assert doc_id not in [d.id for d in window.services.documents.list_documents()]
    assert pane.table.rowCount() == 6


def test_cancel_stops_an_import(qtbot, window, corpus):
    pane = _pane(window)
    with qtbot.waitSignal(pane.import_finished, timeout=120_000) as blocker:
        pane.import_paths([str(corpus)])
        pane.progress.panel.cancel_button.click()
    report = blocker.args[0]
    assert report.cancelled and "stopped early" in pane.report_label.text()


def test_watched_folder_is_listed_and_scanned(qtbot, window, corpus):
    pane = _pane(window)
    assert pane.watched_stack.currentWidget() is pane.watched_empty
    with qtbot.waitSignal(pane.import_finished, timeout=120_000):
        pane.watch_folder(str(corpus))
    assert [pane.watched_list.item(i).text() for i in range(pane.watched_list.count())] == [str(corpus)]
    assert pane.table.rowCount() == 7
    pane.watch_folder(str(corpus / "nope"))
    assert window.message_bar.kind == "error" and "not a folder" in window.message_bar.title.text()


def test_dropping_files_imports_them(qtbot, window, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    pane = _pane(window)
    note = tmp_path / "dropped.md"
    note.write_text("# Dropped\n\nA note dragged from the file manager about the cello.\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(note))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(pane.import_finished, timeout=60_000) as blocker:
        pane.dropEvent(event)
    assert blocker.args[0].imported == [str(note)]
    assert pane.table.item(0, 0).text() == "dropped.md"
