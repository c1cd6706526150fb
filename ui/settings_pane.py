"""The Settings pane, rendered from the settings schema: titles, descriptions, bounds, inline errors.

Every edit is validated at once with ``settings_store.validate`` and a wrong value is
explained under its field; Apply saves all pending changes in one ``update`` (all or
nothing) in a background job, because a model change closes and reloads the model.
"""
from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QPlainTextEdit, QPushButton, QScrollArea, QStackedWidget, QVBoxLayout,
                               QWidget)

from core.errors import SettingsError
from ui.ports import AppServices, Pane
from ui.widgets.reembed_panel import ReembedPanel
from ui.widgets.secret_field import SecretField
from ui.workers import Job

EMBEDDER_KEYS = {"model.embedder_path"}   # another embedder makes other vectors (a device does not)

ERROR_STYLE = "color: #b3261e;"
HINT_STYLE = "color: palette(placeholder-text);"
FILE_KEYS = {"model.path": ("Choose a GGUF model", "GGUF models (*.gguf);;All files (*)")}
FOLDER_KEYS = {"model.embedder_path": "Choose an embedding model folder"}
MULTILINE_KEYS = {"generation.system_prompt"}
# Secrets of servers, by section: kept in the keyring (never in settings.json) and never shown back.
SECRETS = {"model": [("model.api_key", "Server API key",
                      "The API key of the model server (Chat model runs = openai), sent as a bearer token. "
                      "Kept in the keyring; used from the next request on.")],
           "storage": [("storage.chroma_token", "Chroma server token",
                        "The token of the Chroma server (vectors on a server). Kept in the keyring.")]}


def _number(x: float, kind: str) -> str:
    return f"{int(x):,}".replace(",", "\u202f") if kind == "int" else f"{x:g}"


def bounds_text(info: Any) -> str:
    """The allowed values and the default, in words a user reads easily."""
    default = info.default
    if info.kind == "bool":
        return f"Default: {'on' if default else 'off'}."
    shown = _display(info.kind, default)
    if info.kind in ("str", "list") and not shown:
        dflt = ""
    else:
        dflt = f"Default: {_number(default, info.kind) if info.kind in ('int', 'float') else shown}."
    if info.kind in ("int", "float") and info.minimum is not None and info.maximum is not None:
        return f"From {_number(info.minimum, info.kind)} to {_number(info.maximum, info.kind)}. {dflt}".strip()
    if info.kind in ("int", "float") and info.minimum is not None:
        return f"At least {_number(info.minimum, info.kind)}. {dflt}"
    return dflt


def _display(kind: str, value: Any) -> str:
    if kind == "list":
        return ", ".join(str(v) for v in value or [])
    if kind == "float":
        return f"{value:g}"
    return "" if value is None else str(value)


class SettingEditor(QWidget):
    """The editor of one setting plus its inline error; ``raw()`` is what the user typed."""

    edited = Signal(str)

    def __init__(self, info: Any) -> None:
        super().__init__()
        self.info = info
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.widget: QWidget
        if info.kind == "bool":
            self.widget = QCheckBox()
            self.widget.toggled.connect(lambda _: self.edited.emit(info.key))
        elif info.kind == "choice":
            self.widget = QComboBox()
            self.widget.addItems(list(info.choices))
            self.widget.currentTextChanged.connect(lambda _: self.edited.emit(info.key))
        elif info.key in MULTILINE_KEYS:
            self.widget = QPlainTextEdit()
            self.widget.setFixedHeight(90)
            self.widget.textChanged.connect(lambda: self.edited.emit(info.key))
        else:
            self.widget = QLineEdit()
            if info.kind in ("int", "float"):
                self.widget.setFixedWidth(140)
            if info.kind == "list":
                self.widget.setPlaceholderText("comma-separated")
            elif info.key == "model.path":
                self.widget.setPlaceholderText("Embedded SmolLM2-135M-Instruct")
            elif info.key == "model.embedder_path":
                self.widget.setPlaceholderText("Embedded all-MiniLM-L6-v2")
            self.widget.textEdited.connect(lambda _: self.edited.emit(info.key))
        row.addWidget(self.widget, 0 if info.kind in ("int", "float", "bool", "choice") else 1)
        if info.key in FILE_KEYS or info.key in FOLDER_KEYS:
            browse = QPushButton("Browse…")
            browse.clicked.connect(self._browse)
            row.addWidget(browse)
        row.addStretch(0 if info.kind in ("str", "list") else 1)
        self.set_value(info.value)

    def set_value(self, value: Any) -> None:
        w = self.widget
        w.blockSignals(True)
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            w.setCurrentText(str(value))
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText(str(value))
        else:
            w.setText(_display(self.info.kind, value))
        w.blockSignals(False)

    def raw(self) -> Any:
        w = self.widget
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            return w.currentText()
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText()
        return w.text()

    def set_text(self, text: str) -> None:
        """Type ``text`` into the editor as a user would (tests, drag and drop)."""
        w = self.widget
        if isinstance(w, QLineEdit):
            w.setText(text)
            self.edited.emit(self.info.key)
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText(text)
        elif isinstance(w, QComboBox):
            w.setCurrentText(text)
        elif isinstance(w, QCheckBox):
            w.setChecked(text.lower() in ("1", "true", "yes", "on"))

    def _browse(self) -> None:
        if self.info.key in FILE_KEYS:
            title, filt = FILE_KEYS[self.info.key]
            path, _ = QFileDialog.getOpenFileName(self, title, "", filt)
        else:
            path = QFileDialog.getExistingDirectory(self, FOLDER_KEYS[self.info.key])
        if path:
            self.set_text(path)


class SettingsPane(Pane):
    """Sections on the left, the section's settings on the right, Apply/Revert at the bottom."""

    applied = Signal(set)

    def __init__(self, services: AppServices) -> None:
        super().__init__()
        self.services = services
        self.store = services.settings_store
        self.editors: dict[str, SettingEditor] = {}
        self.secret_fields: dict[str, SecretField] = {}
        self.errors: dict[str, QLabel] = {}
        self.pending: dict[str, Any] = {}
        self.invalid: dict[str, str] = {}
        self.job: Job[Any] | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(8)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("background: #fff4e5; color: #663c00; border: 1px solid #ffd8a8; "
                                   "border-radius: 6px; padding: 8px;")
        self.warning.setVisible(bool(self.store.warnings))
        self.warning.setText("<b>Some saved settings could not be used:</b><br>" + "<br>".join(self.store.warnings))
        outer.addWidget(self.warning)
        body = QHBoxLayout()
        self.sections = QListWidget()
        self.sections.setFixedWidth(190)
        self.sections.setStyleSheet("QListWidget::item { padding: 7px 10px; }")
        self.pages = QStackedWidget()
        body.addWidget(self.sections)
        body.addWidget(self.pages, 1)
        outer.addLayout(body, 1)
        by_section: dict[str, list[Any]] = {}
        titles: dict[str, str] = {}
        for info in self.store.list():
            section = info.key.split(".", 1)[0]
            by_section.setdefault(section, []).append(info)
            titles[section] = info.section_title
        for section, infos in by_section.items():
            self.sections.addItem(titles[section])
            self.pages.addWidget(self._page(section, titles[section], infos))
        self.sections.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.sections.setCurrentRow(0)
        self.reembed = ReembedPanel(services.reembedder())
        self.reembed.finished.connect(self._reembedded)
        outer.addWidget(self.reembed)
        bar = QHBoxLayout()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.defaults_button = QPushButton("Restore defaults")
        self.defaults_button.setToolTip("Put every setting of this section back to its default (then Apply)")
        self.defaults_button.clicked.connect(self.restore_section_defaults)
        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Forget the changes that were not applied")
        self.revert_button.clicked.connect(self.revert)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.defaults_button)
        bar.addWidget(self.revert_button)
        bar.addWidget(self.apply_button)
        outer.addLayout(bar)
        self._update_buttons()

    def _page(self, section: str, title: str, infos: list[Any]) -> QWidget:
        from core.settings.fields import specs
        from core.settings.schema import Settings

        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(16, 8, 16, 16)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        grid.addWidget(heading, 0, 0, 1, 2)
        doc = (specs(Settings)[section].type.__doc__ or "").strip()
        about = QLabel(doc)
        about.setWordWrap(True)
        about.setStyleSheet(HINT_STYLE)
        grid.addWidget(about, 1, 0, 1, 2)
        grid.setRowMinimumHeight(2, 12)
        r = 3
        for info in infos:
            label = QLabel(info.title)
            label.setToolTip(info.key)
            label.setMinimumWidth(180)
            editor = SettingEditor(info)
            editor.edited.connect(self._on_edit)
            label.setBuddy(editor.widget)
            desc = QLabel(f"{info.description} {bounds_text(info)}")
            desc.setWordWrap(True)
            desc.setStyleSheet(HINT_STYLE)
            error = QLabel()
            error.setWordWrap(True)
            error.setStyleSheet(ERROR_STYLE)
            error.hide()
            grid.addWidget(label, r, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(editor, r, 1)
            grid.addWidget(desc, r + 1, 1)
            grid.addWidget(error, r + 2, 1)
            grid.setRowMinimumHeight(r + 3, 10)
            self.editors[info.key] = editor
            self.errors[info.key] = error
            r += 4
        for name, title, description in SECRETS.get(section, []):
            label = QLabel(title)
            label.setToolTip(name)
            field = SecretField(self.services.secrets, name)
            label.setBuddy(field.edit)
            desc = QLabel(description)
            desc.setWordWrap(True)
            desc.setStyleSheet(HINT_STYLE)
            grid.addWidget(label, r, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(field, r, 1)
            grid.addWidget(desc, r + 1, 1)
            grid.setRowMinimumHeight(r + 2, 10)
            self.secret_fields[name] = field
            r += 3
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(r, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        return scroll

    def on_shown(self) -> None:
        """Show values changed elsewhere (watched folders, α, …) unless the user is editing; and a re-embed
        still to do (one that was stopped, or an embedder set from the command line)."""
        if not self.pending and not self.invalid:
            self.revert()
        self.reembed.check()

    # ---- editing -----------------------------------------------------------------------------
    def _on_edit(self, key: str) -> None:
        raw = self.editors[key].raw()
        error = self.errors[key]
        try:
            typed = self.store.validate(key, raw)
        except SettingsError as exc:
            self.invalid[key] = str(exc)
            shown = raw if isinstance(raw, str) else str(raw)
            error.setText(f"“{shown.strip()[:40]}” is not accepted. {exc.hint or exc.message}".strip())
            error.show()
            self.pending.pop(key, None)
        else:
            self.invalid.pop(key, None)
            error.hide()
            if json.dumps(typed, default=str) == json.dumps(self.store.get(key), default=str):
                self.pending.pop(key, None)
            else:
                self.pending[key] = raw
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.job is not None and self.job.running
        self.apply_button.setEnabled(bool(self.pending) and not self.invalid and not busy)
        self.revert_button.setEnabled(bool(self.pending or self.invalid) and not busy)
        if busy:
            self.status.setText("Saving…")
        elif self.invalid:
            n = len(self.invalid)
            self.status.setText(f"<span style='{ERROR_STYLE}'>{n} value{'s' if n > 1 else ''} to fix before Apply.</span>")
        elif self.pending:
            n = len(self.pending)
            self.status.setText(f"{n} change{'s' if n > 1 else ''} not applied yet.")
        else:
            self.status.setText("")

    def set_value(self, key: str, text: str) -> None:
        """Type ``text`` into a setting's editor (as a user would)."""
        self.editors[key].set_text(text)
        self._on_edit(key)

    def revert(self) -> None:
        for key, editor in self.editors.items():
            editor.set_value(self.store.get(key))
            self.errors[key].hide()
        self.pending.clear()
        self.invalid.clear()
        self._update_buttons()

    def restore_section_defaults(self) -> None:
        page = self.pages.currentIndex()
        section = list(dict.fromkeys(k.split(".", 1)[0] for k in self.editors))[page]
        for key, editor in self.editors.items():
            if key.startswith(section + "."):
                editor.set_value(self.store.info(key).default)
                self._on_edit(key)

    def apply(self) -> None:
        if not self.pending or self.invalid or (self.job is not None and self.job.running):
            return
        changes = dict(self.pending)
        self.job = (Job(self, lambda ctx: self.store.update(changes), "Saving settings")
                    .success(self._applied)
                    .finally_(self._update_buttons)
                    .start())
        self._update_buttons()

    def _applied(self, typed: dict[str, Any]) -> None:
        keys = set(typed)
        for key in keys:
            self.editors[key].set_value(self.store.get(key))
            self.pending.pop(key, None)
        note = "Settings saved."
        if not self.services.llm_loaded:
            note += " The model is reloading in the background."
        if keys & EMBEDDER_KEYS:
            note += " The embedder changed: stored items need new vectors (see below)."
            self.reembed.check()
        host = self.host()
        if host is not None:
            host.show_note(note)
        self.applied.emit(keys)
        self._update_buttons()

    def shutdown(self) -> None:
        if self.reembed.job is not None and self.reembed.running:
            self.reembed.job.cancel()

    def _reembedded(self, report: object) -> None:
        host = self.host()
        if report is not None and host is not None:
            host.show_note("Re-embedding done: search and memories use the new embedder.")
