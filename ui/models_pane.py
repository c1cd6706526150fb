"""The Models pane: the chat models with what their files say and whether they fit this computer; Use, Remove,
and Add (a download from an address or a Hugging Face owner/repo/file.gguf, or a file on this computer).

Listing (reading GGUF headers the first time), adding and downloading run in background jobs; a
download shows its progress and time left and can be cancelled (the partial file is kept, and the
next download of the same address resumes it). The catalog (``core.modelhub``) does the work; this
pane only shows it. A line warns when the memory decoder was trained for another model's tokenizer.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from core.jobs import Progress
from core.modelhub import ModelEntry, gib
from ui.ports import AppServices, Pane
from ui.widgets.progress_panel import ProgressPanel
from ui.workers import Job, JobContext, report_error

if TYPE_CHECKING:
    from core.modelhub import ModelCatalog

COLUMNS = ("", "Name", "Architecture", "Parameters", "Quantization", "File", "Context", "Chat template",
           "Memory needed", "Fits this computer", "Tokenizer hash")
IN_USE = "●"
Listing = tuple[list[ModelEntry], str, list[tuple[Path, int, str]]]   # models, decoder note, unfinished downloads
FITS_COLUMN = COLUMNS.index("Fits this computer")


class AddressDialog(QDialog):
    """Asks for an address (or owner/repo/file.gguf) and, optionally, the file's sha256."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Download a model")
        form = QFormLayout(self)
        self.address = QLineEdit()
        self.address.setPlaceholderText("https://…/model.gguf  or  owner/repo/model.gguf (Hugging Face)")
        self.sha256 = QLineEdit()
        self.sha256.setPlaceholderText("optional: the file's sha256, to check it")
        self.name = QLineEdit()
        self.name.setPlaceholderText("optional: a name for the list")
        form.addRow("Address", self.address)
        form.addRow("sha256", self.sha256)
        form.addRow("Name", self.name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(560)


class ModelsPane(Pane):
    """The model manager of the desktop app."""

    applied = Signal(set)               # settings keys changed by Use (as the Settings pane's): the window reloads
    refreshed = Signal(object)          # list[ModelEntry] (tests)
    add_finished = Signal(object)       # ModelEntry or the exception

    def __init__(self, services: AppServices) -> None:
        super().__init__()
        self.services = services
        self.catalog: ModelCatalog = services.models
        self.entries: list[ModelEntry] = []
        self.list_job: Job[Listing] | None = None
        self.add_job: Job[ModelEntry] | None = None
        self._stale = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        bar = QHBoxLayout()
        self.download_button = QPushButton("Download from an address…")
        self.download_button.setToolTip("An https:// address of a .gguf file, or a Hugging Face owner/repo/file.gguf")
        self.add_file_button = QPushButton("Add a file…")
        self.add_file_button.setToolTip("A .gguf file on this computer; it stays where it is")
        self.download_button.clicked.connect(self._download_dialog)
        self.add_file_button.clicked.connect(self._file_dialog)
        bar.addWidget(self.download_button)
        bar.addWidget(self.add_file_button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.progress = ProgressPanel()
        layout.addWidget(self.progress)
        self.partials: list[tuple[Path, int, str]] = []
        self.resume_row = QWidget()
        rr = QHBoxLayout(self.resume_row)
        rr.setContentsMargins(0, 0, 0, 0)
        self.resume_label = QLabel()
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Download the rest of it from the same address")
        self.resume_button.clicked.connect(self.resume)
        rr.addWidget(self.resume_label, 1)
        rr.addWidget(self.resume_button)
        self.resume_row.hide()
        layout.addWidget(self.resume_row)
        self.decoder_label = QLabel()
        self.decoder_label.setObjectName("warningNote")
        self.decoder_label.setWordWrap(True)
        self.decoder_label.hide()
        layout.addWidget(self.decoder_label)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status_label)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for c in range(len(COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _: self.use_selected())
        layout.addWidget(self.table, 1)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.details)
        row = QHBoxLayout()
        self.note_label = QLabel()
        self.note_label.setStyleSheet("color: palette(placeholder-text);")
        self.use_button = QPushButton("Use")
        self.use_button.setToolTip("Chat with this model from now on")
        self.remove_button = QPushButton("Remove")
        self.use_button.clicked.connect(self.use_selected)
        self.remove_button.clicked.connect(lambda: self.remove_selected(confirm=True))
        row.addWidget(self.note_label, 1)
        row.addWidget(self.use_button)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        self._selection_changed()   # the list is read when the pane is first shown (on_shown), not with every window

    # ---- listing ------------------------------------------------------------------------------------
    def on_shown(self) -> None:
        self.refresh()

    def refresh(self) -> Job[Listing]:
        """List the models in the background (the first read of a big GGUF's header takes seconds)."""
        if self.list_job is not None and self.list_job.running:
            self._stale = True       # something changed while it reads: list again when it is done
            return self.list_job
        self._stale = False
        catalog = self.catalog
        self.note_label.setText("Reading the model files…")

        def work(ctx: JobContext) -> Listing:
            return catalog.entries(), catalog.decoder_note(), catalog.partials()

        self.list_job = Job(self, work, "Listing the models").success(self._show).start()
        return self.list_job

    def _show(self, result: Listing) -> None:
        entries, decoder_note, partials = result
        self.partials = [(part, size, url) for part, size, url in partials if url]
        if self.partials:
            part, size, url = self.partials[0]
            more = f" (and {len(self.partials) - 1} more)" if len(self.partials) > 1 else ""
            self.resume_label.setText(f"Unfinished download: {part.name}, {gib(size)} so far{more}.")
        self.resume_row.setVisible(bool(self.partials))
        selected = self.selected()
        self.entries = entries
        self.table.setRowCount(len(entries))
        for r, e in enumerate(entries):
            i, est, f = e.info, e.estimate, e.fit
            cells = [IN_USE if e.in_use else "", e.name]
            if i is None:
                cells += ["?", "", "", "", "", "", "", e.error, ""]
            else:
                cells += [i.architecture, i.parameters_label, i.quantization, gib(i.file_size),
                          f"{i.context_length:,}" if i.context_length else "?", "yes" if i.chat_template else "no",
                          gib(est.total) if est else "?", f.text if f else "?", i.tokenizer_hash or "?"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(self._tooltip(e))
                if e.in_use:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                if c == FITS_COLUMN and f is not None and not f.fits:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(r, c, item)
        keep = next((r for r, e in enumerate(entries) if selected is not None and e.name == selected.name), None)
        if keep is not None:
            self.table.selectRow(keep)
        m = self.services.settings.model
        notes = [f"Memory needed: weights + KV cache for {m.n_ctx:,} tokens of context + buffers, roughly."]
        if m.backend != "embedded":
            notes.insert(0, f"The chat runs on a server ({m.base_url or 'not set'}); Use switches back to a local model.")
        self.note_label.setText(" ".join(notes))
        self.decoder_label.setText(decoder_note + ("." if decoder_note else ""))
        self.decoder_label.setVisible(bool(decoder_note))
        self._selection_changed()
        self.refreshed.emit(entries)
        if self._stale:
            self.refresh()

    @staticmethod
    def _tooltip(e: ModelEntry) -> str:
        lines = [str(e.path), {"embedded": "Comes with Mnemo", "downloaded": "Downloaded into Mnemo's models folder",
                               "added": "Added by path (the file is yours: Remove only forgets it)"}[e.kind]]
        if e.origin:
            lines.append(f"From {e.origin}")
        if e.info is not None:
            lines.append(f"Tokenizer hash {e.info.tokenizer_hash or '?'} ({e.info.n_vocab:,} tokens)")
        if e.fit is not None:
            lines.append(e.fit.detail)
        return "\n".join(lines)

    # ---- selection and actions -----------------------------------------------------------------------
    def selected(self) -> ModelEntry | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.entries):
            return None
        return self.entries[rows[0].row()]

    def select(self, name: str) -> None:
        for r, e in enumerate(self.entries):
            if e.name == name:
                self.table.selectRow(r)
                return
        raise KeyError(name)

    def _selection_changed(self) -> None:
        e = self.selected()
        busy = self.add_job is not None and self.add_job.running
        self.use_button.setEnabled(e is not None and not e.in_use and e.info is not None)
        self.remove_button.setEnabled(e is not None and e.kind != "embedded" and not e.in_use and not busy)
        self.remove_button.setText("Forget" if e is not None and e.kind == "added" else "Remove")
        if e is None:
            self.details.setText("")
            return
        parts = [str(e.path)]
        if e.info is not None:
            parts.append(f"{e.info.parameters:,} parameters, {e.info.n_layers} layers, {e.info.n_head} heads "
                         f"({e.info.n_head_kv} for keys/values), vocabulary {e.info.n_vocab:,}, tokenizer hash "
                         f"{e.info.tokenizer_hash or '?'}")
        if e.estimate is not None and e.fit is not None:
            est = e.estimate
            parts.append(f"needs {gib(est.total)}: weights {gib(est.weights)} + KV cache {gib(est.kv_cache)} "
                         f"+ buffers {gib(est.overhead)}; {e.fit.text}: {e.fit.detail}")
        if e.error:
            parts.append(e.error)
        self.details.setText(" · ".join(parts))

    def use_selected(self) -> None:
        e = self.selected()
        if e is None or e.in_use:
            return
        try:
            used = self.catalog.use(e.name)
        except Exception as exc:  # noqa: BLE001 - shown the Mnemo way
            report_error(self, exc, "Switching the model")
            return
        self._note(f"Chat model: {used.name}. The next answer loads it.")
        self.applied.emit({"model.path", "model.backend"})
        self.refresh()

    def remove_selected(self, confirm: bool = True) -> None:
        e = self.selected()
        if e is None or e.kind == "embedded":
            return
        if confirm and self.services.settings.interface.confirm_delete:
            text = (f"Forget {e.name}? Its file stays where it is:\n{e.path}" if e.kind == "added" else
                    f"Delete {e.name}? Its file is deleted from the disk ({gib(e.info.file_size) if e.info else '?'}):"
                    f"\n{e.path}")
            if QMessageBox.question(self, "Remove a model", text) != QMessageBox.StandardButton.Yes:
                return
        try:
            done = self.catalog.remove(e.name)
        except Exception as exc:  # noqa: BLE001
            report_error(self, exc, "Removing the model")
            return
        self._note(done)
        self.refresh()

    # ---- adding ---------------------------------------------------------------------------------------
    def _download_dialog(self) -> None:
        dialog = AddressDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.address.text().strip():
            self.add(dialog.address.text().strip(), sha256=dialog.sha256.text().strip() or None,
                     name=dialog.name.text().strip() or None)

    def _file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add a GGUF model", "", "GGUF models (*.gguf);;All files (*)")
        if path:
            self.add(path)

    def add(self, source: str, sha256: str | None = None, name: str | None = None) -> Job[ModelEntry]:
        """Download (address, owner/repo/file.gguf) or add (a path) in the background, with progress and Cancel."""
        catalog = self.catalog

        def work(ctx: JobContext) -> ModelEntry:
            return catalog.add(source, sha256=sha256, name=name, progress=ctx.progress, cancel=ctx.cancel)

        job: Job[ModelEntry] = Job(self, work, "Adding the model")
        self.add_job = job
        self.progress.begin(f"Adding {source}…", on_cancel=job.cancel)
        self.download_button.setEnabled(False)
        self.add_file_button.setEnabled(False)
        self.resume_button.setEnabled(False)
        self.status_label.setText("")
        job.progress(self._progress).success(self._added).failure(self._failed).finally_(self._add_done).start()
        return job

    def resume(self) -> Job[ModelEntry] | None:
        """Go on with the first unfinished download (its name comes from its partial file)."""
        if not self.partials:
            return None
        part, _, url = self.partials[0]
        name = part.name.removesuffix(".partial").removesuffix(".gguf")
        return self.add(url, name=name)

    def _progress(self, p: Progress) -> None:
        self.progress.update_progress(p)
        got, total = p.extra.get("bytes"), p.extra.get("total_bytes")
        if got is not None:
            rate = p.extra.get("rate") or 0
            self.progress.bar.setFormat(f"{gib(got)} of {gib(total)}" + (f" · {rate / 1e6:.1f} MB/s" if rate else ""))

    def _added(self, e: ModelEntry) -> None:
        verb = "Downloaded" if e.kind == "downloaded" else "Added"
        fits = f" ({e.fit.text})" if e.fit else ""
        self._note(f"{verb} {e.name}{fits}. Select it and click Use to chat with it.")
        self.add_finished.emit(e)

    def _failed(self, exc: BaseException) -> None:
        message = getattr(exc, "message", None) or str(exc)
        hint = getattr(exc, "hint", "")
        self.status_label.setText(f"{message} {hint}".strip())
        report_error(self, exc, "Adding the model")
        self.add_finished.emit(exc)

    def _add_done(self) -> None:
        self.progress.end()
        self.download_button.setEnabled(True)
        self.add_file_button.setEnabled(True)
        self.resume_button.setEnabled(True)
        self._selection_changed()
        self.refresh()          # the new model, or the partial file a failure or cancel left

    def _note(self, text: str) -> None:
        self.status_label.setText(text)
        host = self.host()
        if host is not None:
            host.show_note(text)

    def shutdown(self) -> None:
        for job in (self.add_job, self.list_job):
            if job is not None and job.running:
                job.cancel()
