"""The Documents pane: add files or folders (buttons or drag and drop), watched folders,
the documents with their status and errors, import progress with ETA and Cancel, and search.

Imports and searches run in background jobs; the document service's listeners (which may
fire on the folder watcher's thread) only post a signal that refreshes the list on the GUI thread.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QListWidget, QMenu, QMessageBox, QPushButton, QStackedWidget, QTableWidget,
                               QTableWidgetItem, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)
from shiboken6 import isValid

from core.errors import MnemoError
from core.jobs import Progress
from ui.ports import AppServices, Pane
from ui.widgets.empty_state import EmptyState
from ui.widgets.import_progress import ImportProgress
from ui.workers import Job, JobContext, report_error
from ui.widgets.search_field import search_field

if TYPE_CHECKING:
    from core.documents import ImportReport, PassageHit

COLUMNS = ("Name", "Type", "Status", "Passages", "Size", "Imported")
STATUS_TEXT = {"ok": "Imported", "missing": "File missing", "error": "Failed",
               "partial": "Partly imported (goes on at the next import)"}


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


class DocumentsPane(Pane):
    """Library, search and watched folders of the user's documents."""

    changed = Signal()               # posted from any thread by the service's listener
    import_finished = Signal(object)  # ImportReport or exception (tests)
    search_finished = Signal(object)

    def __init__(self, services: AppServices) -> None:
        super().__init__()
        self.services = services
        self.docs = services.documents
        self.job: Job[ImportReport] | None = None
        self.search_job: Job[list[PassageHit]] | None = None
        self.last_report: ImportReport | None = None
        self.hits: list[PassageHit] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.setAcceptDrops(True)
        bar = QHBoxLayout()
        self.add_files_button = QPushButton("Add files…")
        self.add_folder_button = QPushButton("Add folder…")
        self.watch_button = QPushButton("Watch a folder…")
        self.watch_button.setToolTip("Import a folder now and again whenever its files change")
        self.add_files_button.clicked.connect(self._add_files_dialog)
        self.add_folder_button.clicked.connect(self._add_folder_dialog)
        self.watch_button.clicked.connect(self._watch_dialog)
        for b in (self.add_files_button, self.add_folder_button, self.watch_button):
            bar.addWidget(b)
        bar.addStretch(1)
        self.drop_hint = QLabel("…or drop files and folders anywhere here")
        self.drop_hint.setStyleSheet("color: palette(placeholder-text);")
        bar.addWidget(self.drop_hint)
        layout.addLayout(bar)
        self.progress = ImportProgress()   # the overall bar, and a row per folder with its ETA
        layout.addWidget(self.progress)
        self.report_row = QWidget()
        rr = QHBoxLayout(self.report_row)
        rr.setContentsMargins(0, 0, 0, 0)
        self.report_label = QLabel()
        self.report_label.setWordWrap(True)
        self.details_button = QPushButton("Details…")
        self.details_button.clicked.connect(self._show_report)
        rr.addWidget(self.report_label, 1)
        rr.addWidget(self.details_button)
        self.report_row.hide()
        layout.addWidget(self.report_row)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._library_tab(), "All documents")
        self.tabs.addTab(self._search_tab(), "Search")
        self.tabs.addTab(self._watched_tab(), "Watched folders")
        layout.addWidget(self.tabs, 1)
        self.changed.connect(self.refresh)
        self.docs.add_listener(self._on_service_event)
        self.refresh()

    # ---- building ---------------------------------------------------------------------------------
    def _library_tab(self) -> QWidget:
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.table.doubleClicked.connect(lambda _: self._open_selected())
        self.library_empty = EmptyState(
            "No documents yet",
            "Drop files or folders here, or click Add files… above. Mnemo reads notes, PDFs, Word and HTML files, "
            "mail, contacts, spreadsheets (CSV) and chat exports (WhatsApp, ChatGPT). Everything stays on this computer.")
        self.library = QStackedWidget()
        self.library.addWidget(self.library_empty)
        self.library.addWidget(self.table)
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(8, 8, 8, 8)
        col.addWidget(self.library, 1)
        row = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setStyleSheet("color: palette(placeholder-text);")
        self.open_button = QPushButton("Open")
        self.forget_button = QPushButton("Forget")
        self.forget_button.setToolTip("Remove the document and its passages from Mnemo (the file itself is kept)")
        self.open_button.clicked.connect(self._open_selected)
        self.forget_button.clicked.connect(lambda: self.forget_selected(confirm=True))
        row.addWidget(self.count_label, 1)
        row.addWidget(self.open_button)
        row.addWidget(self.forget_button)
        col.addLayout(row)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        return box

    def _search_tab(self) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(8, 8, 8, 8)
        row = QHBoxLayout()
        self.search_box = search_field("Search your documents (words or a question), then press Enter",
                                       on_enter=self.search)
        self.search_button = QPushButton("Search")
        self.search_button.clicked.connect(self.search)
        row.addWidget(self.search_box, 1)
        row.addWidget(self.search_button)
        col.addLayout(row)
        self.results = QTextBrowser()
        self.results.setOpenLinks(False)
        self.results.anchorClicked.connect(self._open_link)
        self.results.setHtml(_hint_html("Find passages in everything you imported: matching words and meaning "
                                        "both count. Each result says which file and page it comes from; click it to open the file."))
        col.addWidget(self.results, 1)
        return box

    def _watched_tab(self) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(8, 8, 8, 8)
        about = QLabel("Watched folders are imported when Mnemo starts and again whenever a file in them is added, "
                       "changed or deleted.")
        about.setWordWrap(True)
        self.watched_list = QListWidget()
        self.watched_empty = EmptyState("No watched folders", "Click Watch a folder… to keep a folder "
                                        "(for example your notes) in Mnemo's memory automatically.")
        self.watched_stack = QStackedWidget()
        self.watched_stack.addWidget(self.watched_empty)
        self.watched_stack.addWidget(self.watched_list)
        row = QHBoxLayout()
        self.rescan_button = QPushButton("Scan now")
        self.rescan_button.clicked.connect(self.scan_watched)
        self.unwatch_button = QPushButton("Stop watching")
        self.unwatch_button.clicked.connect(self._unwatch_selected)
        row.addStretch(1)
        row.addWidget(self.rescan_button)
        row.addWidget(self.unwatch_button)
        col.addWidget(about)
        col.addWidget(self.watched_stack, 1)
        col.addLayout(row)
        return box

    # ---- listing ----------------------------------------------------------------------------------
    def on_shown(self) -> None:
        self.refresh()

    def _on_service_event(self, _event: str, _document_id: int) -> None:
        if isValid(self):
            self.changed.emit()   # queued to the GUI thread when called from a worker

    def refresh(self) -> None:
        try:
            documents = self.docs.list_documents()
            watched = self.docs.watched()
        except MnemoError as exc:
            report_error(self, exc, "Listing documents")
            return
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(documents))
        for r, d in enumerate(documents):
            status = STATUS_TEXT.get(d.status, d.status)
            cells = [d.name, d.format.upper(), status, str(d.n_chunks), human_size(d.size), _when(d.imported_at)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, d.id)
                    item.setToolTip(d.path)
                if c == 3:
                    item.setData(Qt.ItemDataRole.DisplayRole, d.n_chunks)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c == 2 and d.error:
                    item.setToolTip(d.error)
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)
        self.library.setCurrentWidget(self.table if documents else self.library_empty)
        failed = sum(1 for d in documents if d.status == "error")
        self.count_label.setText(f"{len(documents)} document{'s' if len(documents) != 1 else ''}"
                                 + (f" · {failed} failed (hover the status to see why)" if failed else ""))
        self.watched_list.clear()
        self.watched_list.addItems(watched)
        self.watched_stack.setCurrentWidget(self.watched_list if watched else self.watched_empty)
        self.rescan_button.setEnabled(bool(watched))
        self.unwatch_button.setEnabled(bool(watched))
        self._update_buttons()

    def _selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [int(self.table.item(r, 0).data(Qt.ItemDataRole.UserRole)) for r in rows]

    def _update_buttons(self) -> None:
        has = bool(self._selected_ids())
        self.open_button.setEnabled(has)
        self.forget_button.setEnabled(has)
        busy = self.job is not None and self.job.running
        for b in (self.add_files_button, self.add_folder_button, self.watch_button, self.rescan_button):
            b.setEnabled(not busy and (b is not self.rescan_button or bool(self.docs.watched())))

    # ---- importing --------------------------------------------------------------------------------
    def import_paths(self, paths: list[str], what: str = "Importing documents") -> Job[ImportReport] | None:
        if not paths or (self.job is not None and self.job.running):
            return None
        files: list[str | Path] = list(paths)
        return self._run_import(lambda ctx: self.docs.import_paths(files, progress=ctx.progress, cancel=ctx.cancel), what,
                                paths=files)

    def scan_watched(self) -> Job[ImportReport] | None:
        if self.job is not None and self.job.running:
            return None
        return self._run_import(lambda ctx: self.docs.scan_watched(progress=ctx.progress, cancel=ctx.cancel),
                                "Scanning watched folders", paths=self.docs.watched())

    def _run_import(self, fn: Callable[[JobContext], ImportReport], what: str,
                    paths: Sequence[str | Path] = ()) -> Job[ImportReport]:
        docs = self.docs.settings_store.settings.documents
        self.progress.begin(f"{what}…", on_cancel=lambda: self.job.cancel() if self.job else None, paths=paths,
                            include_hidden=docs.include_hidden, max_bytes=int(docs.max_file_mb * 1e6))
        self.job = (Job(self, fn, what)
                    .progress(self._on_progress)
                    .success(self._imported)
                    .failure(self._import_failed)
                    .finally_(self._import_done)
                    .start())
        self._update_buttons()
        return self.job

    def _on_progress(self, p: Progress) -> None:
        self.progress.update_progress(p)
        if p.message and p.message != "done":
            self.progress.label.setText(f"Reading {Path(p.message).name}")

    def _imported(self, report: ImportReport) -> None:
        self.last_report = report
        self.report_label.setText(f"Last import: {report.summary()}")
        self.details_button.setVisible(bool(report.skipped or report.missing))
        self.report_row.show()
        self.refresh()
        self.import_finished.emit(report)

    def _import_failed(self, exc: BaseException) -> None:
        report_error(self, exc, "Importing documents")
        self.import_finished.emit(exc)

    def _import_done(self) -> None:
        self.progress.end()
        self._update_buttons()

    def _show_report(self) -> None:
        r = self.last_report
        if r is None:
            return
        lines = [f"{p}: {why}" for p, why in r.skipped] + [f"{p}: file missing (kept in Mnemo)" for p in r.missing]
        box = QMessageBox(QMessageBox.Icon.Information, "Last import", r.summary(), QMessageBox.StandardButton.Ok, self)
        box.setInformativeText("Files that were skipped, and why:")
        box.setDetailedText("\n".join(lines))
        box.open()

    def _add_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add documents")
        self.import_paths(files)

    def _add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder")
        if folder:
            self.import_paths([folder])

    def _watch_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Watch a folder")
        if folder:
            self.watch_folder(folder)

    def watch_folder(self, folder: str) -> None:
        try:
            self.docs.watch(folder)
        except MnemoError as exc:
            report_error(self, exc, "Watching a folder")
            return
        self.refresh()
        self.scan_watched()

    def _unwatch_selected(self) -> None:
        item = self.watched_list.currentItem()
        if item is not None:
            self.docs.unwatch(item.text())
            self.refresh()

    # ---- drag and drop ----------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    # ---- one document -----------------------------------------------------------------------------
    def _table_menu(self, pos: Any) -> None:
        if not self._selected_ids():
            return
        menu = QMenu(self)
        menu.addAction("Open", self._open_selected)
        menu.addAction("Forget", lambda: self.forget_selected(confirm=True))
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _open_selected(self) -> None:
        for doc_id in self._selected_ids()[:1]:
            self.open_document(self.docs.get_document(doc_id).path)

    def open_document(self, path: str, page: int = 0) -> None:
        url = QUrl.fromLocalFile(path)
        if page and path.lower().endswith(".pdf"):
            url.setFragment(f"page={page}")
        if not Path(path).exists() or not QDesktopServices.openUrl(url):
            report_error(self, MnemoError(f"{path} could not be opened.",
                                          "The file may have moved or been deleted; import it again from its new place."),
                         "Opening the document")

    def forget_selected(self, confirm: bool = True) -> None:
        ids = self._selected_ids()
        if not ids:
            return
        if confirm and self.services.settings.interface.confirm_delete:
            n = len(ids)
            answer = QMessageBox.question(self, "Forget documents",
                                          f"Forget {n} document{'s' if n > 1 else ''}? Mnemo removes its passages "
                                          "from its memory; the file on your disk is not touched.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        for doc_id in ids:
            self.docs.forget(doc_id)
        self.refresh()

    # ---- search -----------------------------------------------------------------------------------
    def search(self, query: str | None = None) -> Job[list[PassageHit]] | None:
        query = (query if isinstance(query, str) else self.search_box.text()).strip()
        if not query:
            return None
        self.tabs.setCurrentIndex(1)
        self.search_box.setText(query)
        self.results.setHtml(_hint_html("Searching…"))
        self.search_button.setEnabled(False)
        self.search_job = (Job(self, lambda ctx: self.docs.search(query, 20), "Searching documents")
                           .success(lambda hits: self._show_hits(query, hits))
                           .failure(self._search_failed)
                           .finally_(lambda: self.search_button.setEnabled(True))
                           .start())
        return self.search_job

    def _search_failed(self, exc: BaseException) -> None:
        self.results.setHtml(_hint_html("The search failed; see the message at the top of the window."))
        report_error(self, exc, "Searching documents")
        self.search_finished.emit(exc)

    def _show_hits(self, query: str, hits: list[PassageHit]) -> None:
        self.hits = hits
        if not hits:
            self.results.setHtml(_hint_html(f"Nothing found for “{html.escape(query)}”. Try other words, "
                                            "or import more documents."))
        else:
            parts = []
            for i, h in enumerate(hits):
                meta = h.meta or {}
                link = f"hit:{i}"
                text = html.escape(" ".join(h.text.split())[:420])
                page = f" <span style='color:gray'>· page {meta['page']}</span>" if meta.get("page") else ""
                parts.append(f"<p style='margin-bottom:14px'><a href='{link}'><b>{html.escape(h.source)}</b></a>"
                             f"{page}<br>{text}</p>")
            self.results.setHtml("".join(parts))
        self.search_finished.emit(hits)

    def _open_link(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("hit:"):
            hit = self.hits[int(text[4:])]
            meta = hit.meta or {}
            path = meta.get("path") or self.docs.get_document(hit.document_id).path
            self.open_document(path, int(meta.get("page") or 0))

    def shutdown(self) -> None:
        for job in (self.job, self.search_job):
            if job is not None and job.running:
                job.cancel()
                job.wait(5)


def _when(iso: str) -> str:
    """An ISO timestamp as the user's local '26 Nov 2026, 18:44'."""
    from datetime import datetime, timezone

    try:
        t = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso or "")
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone().strftime("%d %b %Y, %H:%M")


def _hint_html(text: str) -> str:
    return f"<p style='color:gray; margin:24px'>{text}</p>"
