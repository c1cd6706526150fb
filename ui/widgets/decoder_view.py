"""The Memory decoder tab: build the datastore, train (progress + Cancel), switch on, set α, held-out figures,
and the training curve (held-out perplexity per epoch against the model alone, and by α)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout,
                               QWidget)

from core.errors import MnemoError
from core.insights.training_curve import training_curve
from ui.ports import AppServices
from ui.widgets.progress_panel import ProgressPanel
from ui.widgets.training_curve import TrainingCurveView
from ui.workers import Job, JobContext, report_error

if TYPE_CHECKING:
    from core.decoder.service import DecoderService

ABOUT = ("The memory decoder is a small network trained on your own documents and conversations. Mixed into the "
         "model's next-word choices, it makes answers sound more like what you know and write. Step 1 reads your "
         "texts through the model (the datastore); step 2 trains the decoder; then switch it on.")


def _label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class DecoderView(QWidget):
    """Status of the datastore and checkpoint, the two jobs, the switch and the α slider."""

    finished = Signal(object)   # BuildReport / TrainReport / exception (tests)

    def __init__(self, decoder: DecoderService, services: AppServices) -> None:
        super().__init__()
        self.decoder = decoder
        self.services = services
        self.job: Job[Any] | None = None
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 8, 8)
        col.setSpacing(10)
        about = QLabel(ABOUT)
        about.setWordWrap(True)
        col.addWidget(about)
        self.notice = _label()
        self.notice.setStyleSheet("color: #8a4b00;")
        col.addWidget(self.notice)
        col.addLayout(self._build_and_train_boxes())
        self.progress = ProgressPanel()
        col.addWidget(self.progress)
        col.addWidget(self._use_box())
        curve_box = QGroupBox("How training went")
        QVBoxLayout(curve_box).addWidget(curve := TrainingCurveView())
        self.curve = curve
        col.addWidget(curve_box, 1)
        self.refresh()

    def _build_and_train_boxes(self) -> QHBoxLayout:
        """1. build the datastore, 2. train the decoder, side by side."""
        boxes = QHBoxLayout()
        ds_box = QGroupBox("1. Datastore")
        dl = QVBoxLayout(ds_box)
        self.ds_label = _label()
        self.build_button = QPushButton("Build from my texts")
        self.build_button.clicked.connect(self.build)
        dl.addWidget(self.ds_label)
        dl.addStretch(1)
        dl.addWidget(self.build_button, 0, Qt.AlignmentFlag.AlignLeft)
        ck_box = QGroupBox("2. Decoder")
        cl = QVBoxLayout(ck_box)
        self.ck_label = _label()
        row = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.train_button.clicked.connect(lambda: self.train(resume=False))
        self.resume_button = QPushButton("Resume training")
        self.resume_button.clicked.connect(lambda: self.train(resume=True))
        row.addWidget(self.train_button)
        row.addWidget(self.resume_button)
        row.addStretch(1)
        cl.addWidget(self.ck_label)
        cl.addStretch(1)
        cl.addLayout(row)
        boxes.addWidget(ds_box, 1)
        boxes.addWidget(ck_box, 1)
        return boxes

    def _use_box(self) -> QGroupBox:
        """3. mix it into answers, with its weight α."""
        use_box = QGroupBox("3. Use it")
        ul = QVBoxLayout(use_box)
        self.enabled = QCheckBox("Mix the memory decoder into every answer")
        self.enabled.toggled.connect(self._on_toggle)
        arow = QHBoxLayout()
        self.alpha = QSlider(Qt.Orientation.Horizontal)
        self.alpha.setRange(0, 100)
        self.alpha.setMinimumWidth(240)
        self.alpha.setMaximumWidth(360)
        self.alpha.valueChanged.connect(self._alpha_text)
        self.alpha.valueChanged.connect(lambda v: self.curve.set_alpha(v / 100))
        self.alpha.sliderReleased.connect(self._alpha_commit)
        self.alpha_label = QLabel()
        self.alpha_label.setMinimumWidth(280)
        arow.addWidget(QLabel("Weight (α):"))
        arow.addWidget(self.alpha)
        arow.addWidget(self.alpha_label)
        arow.addStretch(1)
        ul.addWidget(self.enabled)
        ul.addLayout(arow)
        return use_box

    # ---- state ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        try:
            st = self.decoder.status()
        except MnemoError as exc:
            report_error(self, exc, "Reading the memory decoder's state")
            return
        self.status = st
        d = st.datastore
        if d:
            self.ds_label.setText(
                f"{d['n_keys']:,} positions from {d.get('n_texts', '?')} texts ({d['n_out']:,} distinct tokens).<br>"
                f"Alignment check: the nearest neighbour predicts the next token {d['nn_accuracy']:.1%} of the time "
                f"(chance {d['chance']:.1%}).")
        else:
            self.ds_label.setText("Not built yet. Building reads your imported documents and conversations "
                                  "through the model; it takes a few minutes on a CPU.")
        c = st.checkpoint
        if c:
            h = c.get("heldout") or {}
            figs = ""
            if h.get("mixed_ppl"):
                mixed = ", ".join(f"{v:.2f} at α = {a}" for a, v in h["mixed_ppl"].items())
                figs = (f"<br>Held-out perplexity (lower is better, {h.get('positions', '?')} positions): "
                        f"model alone {h['base_ppl']:.2f}; with the decoder {mixed}.")
            self.ck_label.setText(f"Trained {str(c.get('created', ''))[:16].replace('T', ' ')} for "
                                  f"{c.get('model_name', 'this model')}.{figs}")
        else:
            self.ck_label.setText("Not trained yet. Build the datastore first, then train.")
        busy = self.job is not None and self.job.running
        self.build_button.setEnabled(not busy)
        self.train_button.setEnabled(not busy and d is not None)
        self.resume_button.setVisible(bool(st.extra.get("resumable_training")))
        self.resume_button.setEnabled(not busy)
        self.enabled.blockSignals(True)
        self.enabled.setChecked(st.enabled)
        self.enabled.setEnabled(c is not None or st.enabled)
        self.enabled.blockSignals(False)
        self.alpha.blockSignals(True)
        self.alpha.setValue(int(round(self.services.settings.decoder.alpha * 100)))
        self.alpha.blockSignals(False)
        self._alpha_text(self.alpha.value())
        self.curve.show_curve(training_curve(c, self.services.settings.decoder.alpha))
        self.notice.setText(st.notice)
        self.notice.setVisible(bool(st.notice))

    def _alpha_text(self, value: int) -> None:
        self.alpha_label.setText(f"{value / 100:.2f} — 0 = the model alone, 1 = the decoder alone")

    def _alpha_commit(self) -> None:
        self.set_alpha(self.alpha.value() / 100)

    def set_alpha(self, alpha: float) -> None:
        try:
            self.services.settings_store.set("decoder.alpha", round(alpha, 2))
        except MnemoError as exc:
            report_error(self, exc, "Setting α")
        self.refresh()

    def _on_toggle(self, on: bool) -> None:
        try:
            self.decoder.enable() if on else self.decoder.disable()
        except MnemoError as exc:
            report_error(self, exc, "Switching on the memory decoder")
        self.refresh()

    # ---- jobs -------------------------------------------------------------------------------------
    def build(self) -> Job[Any] | None:
        return self._run(lambda ctx: self.decoder.build(progress=ctx.progress, cancel=ctx.cancel),
                         "Building the datastore")

    def train(self, resume: bool = False) -> Job[Any] | None:
        return self._run(lambda ctx: self.decoder.train(progress=ctx.progress, cancel=ctx.cancel, resume=resume),
                         "Training the memory decoder")

    def _run(self, fn: Callable[[JobContext], Any], what: str) -> Job[Any] | None:
        if self.job is not None and self.job.running:
            return None
        self.progress.begin(f"{what}…", on_cancel=lambda: self.job.cancel() if self.job else None)
        self.job = (Job(self, fn, what)
                    .progress(self.progress.update_progress)
                    .success(self.finished.emit)
                    .failure(lambda exc: (report_error(self, exc, what), self.finished.emit(exc)))
                    .finally_(lambda: (self.progress.end(), self.refresh()))
                    .start())
        self.refresh()
        return self.job
