"""The Autofill pane: open a form, review what Mnemo proposes for each field, correct, save a filled copy.

Reading the form and proposing values (which may ask the model) run in a background job;
corrections can be remembered as pinned facts so the next form gets them right. What a status
means and what the user changed are decided in ``core.autofill.review``; the pane shows and forwards.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QStackedWidget, QTableWidget, QTableWidgetItem, QVBoxLayout)

from core.autofill import AutofillService, Form, Proposal
from core.autofill.review import apply_review, corrections, status_note, summarize
from core.errors import MnemoError
from ui.icons import set_icon
from ui.ports import AppServices, Pane
from ui.theme import attention_background
from ui.widgets.empty_state import EmptyState
from ui.widgets.progress_panel import ProgressPanel
from ui.workers import Job, JobContext, report_error

COLUMNS = ("Field", "Proposed value", "Source", "Confidence", "Note")
VALUE_COLUMN, CONFIDENCE_COLUMN = 1, 3
COLUMN_SHARES = ((0, 0.21, 110, 280), (2, 0.19, 100, 260), (4, 0.26, 130, 380))   # column, share, min, max px
VALUE_SHARE = 0.3   # the proposed value keeps at least this much of the width while the others can give way
FORM_FILTER = "Forms (*.pdf *.html *.htm *.json *.txt);;All files (*)"


class AutofillPane(Pane):
    """Open → review (editable) → save the filled copy; corrections become facts."""

    proposed = Signal(object)   # list of proposals or an exception (tests)

    def __init__(self, services: AppServices) -> None:
        super().__init__()
        self.services = services
        self.autofill: AutofillService = services.autofill
        self.form: Form | None = None
        self.proposals: list[Proposal] = []
        self.job: Job[tuple[Form, list[Proposal]]] | None = None
        self._filling = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        top = QHBoxLayout()
        self.open_button = QPushButton("Open a form…")
        self.open_button.clicked.connect(self._open_dialog)
        set_icon(self.open_button, "open")
        self.use_model = QCheckBox("Ask the model about fields the profile does not cover")
        self.use_model.setChecked(True)
        self.use_model.setToolTip("Slower; such answers cite the memory or document they come from")
        self.path_label = QLabel()
        self.path_label.setStyleSheet("color: palette(placeholder-text);")
        top.addWidget(self.open_button)
        top.addWidget(self.use_model)
        top.addStretch(1)
        layout.addLayout(top)
        layout.addWidget(self.path_label)
        self.progress = ProgressPanel()
        layout.addWidget(self.progress)
        self.table = self._make_table()
        self.table.itemChanged.connect(self._on_edit)
        self.empty = EmptyState(
            "Fill a form from what Mnemo knows",
            "Open a fillable PDF, an HTML page with a form, a JSON list of fields or a text file with one label a "
            "line. Mnemo proposes a value for each field with its source and confidence; you check and correct them, "
            "then save a filled copy. The original file is never changed.", action="Open a form…")
        assert self.empty.button is not None
        self.empty.button.clicked.connect(self._open_dialog)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.table)
        layout.addWidget(self.stack, 1)
        bottom = QHBoxLayout()
        self.summary = QLabel()
        self.remember = QCheckBox("Remember my corrections as facts")
        self.remember.setChecked(True)
        self.save_button = QPushButton("Save filled copy…")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._save_dialog)
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.remember)
        bottom.addWidget(self.save_button)
        layout.addLayout(bottom)
        self._update()

    def _make_table(self) -> QTableWidget:
        """Field, value (editable), source, confidence, note: fitted to the pane's width (no sideways scrolling),
        the value column taking what is left; long notes wrap, and rows are as tall as their text."""
        table = QTableWidget(0, len(COLUMNS))
        table.setHorizontalHeaderLabels(COLUMNS)
        table.verticalHeader().hide()
        table.verticalHeader().setMinimumSectionSize(28)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.setAlternatingRowColors(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        table.setWordWrap(True)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        h = table.horizontalHeader()
        h.setMinimumSectionSize(60)
        for c in range(len(COLUMNS)):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
        h.setSectionResizeMode(VALUE_COLUMN, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(CONFIDENCE_COLUMN, QHeaderView.ResizeMode.Fixed)
        h.setStretchLastSection(False)
        h.sectionResized.connect(lambda *_: self._fit_rows())
        table.viewport().installEventFilter(self)
        return table

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        table = getattr(self, "table", None)
        if table is not None and obj is table.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return False

    def fit_columns(self) -> None:
        """Share the table's width: Field 21%, Source 19%, Note 26% (within bounds), Confidence its header, the
        value the rest, and at least 30% of it when the pane is narrow."""
        width = self.table.viewport().width()
        if width <= 0:
            return
        h = self.table.horizontalHeader()
        confidence = self.table.fontMetrics().horizontalAdvance("Confidence") + 28
        h.resizeSection(CONFIDENCE_COLUMN, confidence)
        sizes = {column: max(low, min(high, int(width * share))) for column, share, low, high in COLUMN_SHARES}
        room = width - confidence - int(width * VALUE_SHARE)   # what the others may take, the value keeping its share
        if sum(sizes.values()) > room:                           # narrow: the others give way, down to their minimum
            lows = {column: low for column, _, low, _ in COLUMN_SHARES}
            spare = sum(sizes[c] - lows[c] for c in sizes)
            cut = min(spare, sum(sizes.values()) - room)
            for c in sizes:
                sizes[c] -= int(cut * (sizes[c] - lows[c]) / spare) if spare else 0
        for column, size in sizes.items():
            h.resizeSection(column, size)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Rows as tall as their wrapped text, and one line tall when a row has little to say."""
        if self.table.rowCount():
            self.table.resizeRowsToContents()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.PaletteChange:   # the theme changed: the empty-value tint follows it
            self._tint_empty()
        super().changeEvent(event)

    def _tint_empty(self) -> None:
        tint = attention_background(self.palette())
        for r in range(self.table.rowCount()):
            item = self.table.item(r, VALUE_COLUMN)
            if item is not None:
                item.setBackground(QBrush() if item.text() else tint)

    # ---- opening ------------------------------------------------------------------------------------
    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a form", str(Path.home()), FORM_FILTER)
        if path:
            self.open_form(path)

    def open_form(self, path: str) -> Job[tuple[Form, list[Proposal]]] | None:
        if self.job is not None and self.job.running:
            return None
        use_model = self.use_model.isChecked()
        autofill = self.autofill

        def work(ctx: JobContext) -> tuple[Form, list[Proposal]]:
            form = autofill.read(path)
            return form, autofill.propose(form.fields, use_model=use_model, cancel=ctx.cancel)

        self.progress.begin(f"Reading {Path(path).name} and proposing values…",
                            on_cancel=lambda: self.job.cancel() if self.job else None)
        self._set_opening(True)
        self.job = (Job(self, work, "Filling the form")
                    .success(self._show)
                    .failure(self._failed)
                    .finally_(self._opened)
                    .start())
        return self.job

    def _set_opening(self, opening: bool) -> None:
        self.open_button.setEnabled(not opening)
        assert self.empty.button is not None
        self.empty.button.setEnabled(not opening)

    def _opened(self) -> None:
        self.progress.end()
        self._set_opening(False)
        self._update()

    def _failed(self, exc: BaseException) -> None:
        report_error(self, exc, "Filling the form")
        self.proposed.emit(exc)

    def _show(self, result: tuple[Form, list[Proposal]]) -> None:
        form, self.proposals = result
        self.form = form
        self.path_label.setText(f"{form.path} · {form.kind.upper()} form · {len(form.fields)} fields")
        self._filling = True
        self.table.setRowCount(len(self.proposals))
        for r, p in enumerate(self.proposals):
            confidence = f"{p.confidence:.0%}" if p.value else ""
            cells = [p.label or p.field, p.value, _source_text(p), confidence, status_note(p)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c != 1:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if c in (0, 2, 4) and text:
                    item.setToolTip(text)
                if c == CONFIDENCE_COLUMN:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self._tint_empty()
        self._filling = False
        self.stack.setCurrentWidget(self.table)
        self.fit_columns()
        QTimer.singleShot(0, self.fit_columns)   # once the table has its real width
        self._update()
        self.proposed.emit(self.proposals)

    # ---- reviewing ----------------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        """The values now in the table, by field name."""
        values: dict[str, str] = {}
        for r, p in enumerate(self.proposals):
            item = self.table.item(r, 1)
            values[p.field] = item.text() if item is not None else ""
        return values

    def set_value(self, field: str, value: str) -> None:
        for r, p in enumerate(self.proposals):
            item = self.table.item(r, 1)
            if p.field == field and item is not None:
                item.setText(value)

    def _on_edit(self, item: QTableWidgetItem) -> None:
        if not self._filling and item.column() == VALUE_COLUMN:
            item.setBackground(QBrush() if item.text() else attention_background(self.palette()))
            self._update()

    def _update(self) -> None:
        has = bool(self.proposals)
        self.open_button.setVisible(has)           # the empty state has its own Open button
        self.open_button.setText("Open another form…")
        self.remember.setVisible(has)
        self.save_button.setVisible(has)
        self.save_button.setEnabled(has and not (self.job is not None and self.job.running))
        self.remember.setEnabled(has)
        if has:
            s = summarize(self.proposals, self.values())
            self.summary.setText(f"{s.filled} of {s.total} fields filled"
                                 + (f" · {s.changed} changed by you" if s.changed else ""))
        else:
            self.summary.setText("")

    # ---- saving -------------------------------------------------------------------------------------
    def _save_dialog(self) -> None:
        if self.form is None:
            return
        src = Path(self.form.path)
        suffix = src.suffix if self.form.kind in ("pdf", "pdf-overlay", "html") else ".json"
        default = src.with_name(f"{src.stem}-filled{suffix}")
        path, _ = QFileDialog.getSaveFileName(self, "Save the filled form", str(default))
        if path:
            self.save(path)

    def save(self, out: str) -> Path | None:
        """Write the filled copy with the reviewed values; remember corrections if asked."""
        if self.form is None:
            return None
        values = self.values()
        try:
            written = self.autofill.write(self.form, apply_review(self.proposals, values), out)
            learned: list[tuple[str, str]] = []
            rows = corrections(self.form, self.proposals, values) if self.remember.isChecked() else []
            if rows:
                learned = self.autofill.accept(rows)
        except MnemoError as exc:
            report_error(self, exc, "Saving the filled form")
            return None
        except OSError as exc:
            report_error(self, MnemoError(f"{out} could not be written ({exc.strerror or exc}).",
                                          "Choose a folder you can write to."), "Saving the filled form")
            return None
        note = f"Saved {written}"
        if learned:
            note += f"; remembered {len(learned)} correction{'s' if len(learned) > 1 else ''} as facts"
        host = self.host()
        if host is not None:
            host.show_note(note + ".")
        return Path(written)

    def shutdown(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.job.wait(5)


def _source_text(p: Proposal) -> str:
    """'Profile · First name' for a fact, 'Memory · chat of 2 May' / 'Document · notes.md' for model answers."""
    if not p.source:
        return ""
    from core.persona.keys import title

    kind = {"fact": "Profile", "memory": "Memory", "document": "Document"}.get(p.source, p.source.title())
    if p.source == "fact" and p.key:
        return f"{kind} · {title(p.key)}"
    return f"{kind} · {p.source_ref}" if p.source_ref else kind
