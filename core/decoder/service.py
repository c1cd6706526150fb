"""DecoderService: the memory decoder's life cycle for one data folder.

``build`` (datastore from the stored conversations and imported documents), ``train``
(checkpoint), ``enable``/``disable`` (the ``decoder.enabled`` setting, refused for a decoder
trained on another tokenizer), ``status``, and ``processor_factory`` for ChatService. If the
decoder fails inside generation it is turned off for the session and ``notice`` says why.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from core.decoder import corpus as corpus_mod
from core.decoder.corpus import CorpusText
from core.decoder.pipeline import BuildReport, TrainReport
from core.errors import MnemoError
from core.jobs import CancelToken, ProgressFn, no_progress
from core.ports import ChatModelLoader, DocumentSource
from core.settings import SettingsStore

if TYPE_CHECKING:
    from core.chat.store import ConversationStore

log = logging.getLogger(__name__)

REMOTE_NOTICE = ("The memory decoder is off: the chat model runs on a server (model.backend = openai), and the decoder "
                 "mixes into the model's full next-token distribution, which only the embedded backend gives Mnemo. "
                 "Switch back with 'mnemo settings set model.backend embedded' to use it.")


@dataclass
class DecoderStatus:
    enabled: bool
    active: bool                 # enabled, loaded and not switched off this session
    datastore: dict[str, Any] | None
    checkpoint: dict[str, Any] | None
    notice: str = ""
    corpus_texts: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class DecoderService:
    """Builds, trains and plugs in the memory decoder."""

    def __init__(self, folder: Path, settings: SettingsStore, conversations: ConversationStore, llm: ChatModelLoader,
                 model_path: Callable[[], Path], documents: DocumentSource | None = None) -> None:
        self.folder = Path(folder)
        self.settings = settings
        self.conversations = conversations
        self._llm_provider = llm
        self._model_file = model_path     # the chat model's GGUF, without loading it
        self._documents = documents
        self.notice = ""                 # user-visible: why the decoder is not in use
        self._session_off = False
        self._lock = threading.Lock()
        self._processor: Any = None
        self._processor_key: tuple[Any, ...] | None = None
        self.min_steps = 240             # optimiser steps at least, whatever the corpus size

    # ---- paths ------------------------------------------------------------------------------
    @property
    def datastore_dir(self) -> Path:
        return self.folder / "datastore"

    @property
    def checkpoint_dir(self) -> Path:
        return self.folder / "checkpoint"

    # ---- corpus -----------------------------------------------------------------------------
    def corpus(self) -> list[CorpusText]:
        """Imported documents (when that feature is present) and stored conversations."""
        docs = corpus_mod.document_texts(self._documents)
        return docs + corpus_mod.conversation_texts(self.conversations)

    def _model_path(self) -> str:
        return str(self._model_file())

    # ---- jobs -------------------------------------------------------------------------------
    def build(self, progress: ProgressFn = no_progress, cancel: CancelToken | None = None,
              texts: list[CorpusText] | None = None) -> BuildReport:
        from core.decoder import pipeline

        texts = self.corpus() if texts is None else texts
        if not texts:
            raise MnemoError("There is nothing to learn from yet: no conversations and no imported documents.",
                             "Chat with Mnemo or import documents, then run 'mnemo decoder build'.")
        s = self.settings.settings
        return pipeline.build([t.text for t in texts], self._model_path(), self.datastore_dir, window=s.decoder.window,
                              k=s.decoder.knn_k, tau_scale=s.decoder.knn_tau_scale,
                              ivfpq_threshold=s.decoder.ivfpq_threshold, n_threads=s.model.n_threads,
                              n_gpu_layers=s.model.n_gpu_layers,
                              meta={"sources": [t.source for t in texts][:1000], "n_sources": len(texts),
                                    "model_path": self._model_path()},
                              progress=progress, cancel=cancel)

    def train(self, progress: ProgressFn = no_progress, cancel: CancelToken | None = None, resume: bool = False) -> TrainReport:
        from core.decoder import pipeline

        d = self.settings.settings.decoder
        tc = pipeline.train_config(d, min_steps=self.min_steps)
        try:
            rep = pipeline.train(self.datastore_dir, self.checkpoint_dir, tc, resume=resume, progress=progress,
                                 cancel=cancel, record={"model_name": Path(self._model_path()).name})
        except RuntimeError as exc:  # e.g. device 'cuda' without a GPU
            raise MnemoError(f"Training the memory decoder failed: {exc}", "Check the decoder settings.") from exc
        with self._lock:
            self._processor = None  # the next answer loads the new checkpoint
        return rep

    # ---- enable / status -------------------------------------------------------------------
    def _checkpoint(self) -> Any:
        from models.decoder.checkpoint import load_checkpoint

        try:
            return load_checkpoint(self.checkpoint_dir)
        except FileNotFoundError:
            raise MnemoError("No memory decoder has been trained yet.",
                             "Run 'mnemo decoder build' and 'mnemo decoder train' first.") from None
        except (ValueError, OSError) as exc:
            raise MnemoError(f"The memory decoder checkpoint cannot be read ({exc}).",
                             "Train it again with 'mnemo decoder train'.") from exc

    def check_tokenizer(self, ckpt: Any = None) -> None:
        """Raise MnemoError when the checkpoint belongs to another tokenizer than the chat model's."""
        from models.decoder.checkpoint import TokenizerMismatch

        ckpt = ckpt or self._checkpoint()
        info = self._llm_provider().info
        try:
            ckpt.check_tokenizer(info.tokenizer_hash, info.name or "the chat model")
        except TokenizerMismatch as exc:
            raise MnemoError(str(exc), "Build and train the decoder again for this model, or switch back to the model it was trained for.") from exc

    @property
    def remote(self) -> bool:
        """True when the chat model runs on a server: the decoder cannot be mixed in."""
        return self.settings.settings.model.backend == "openai"

    def enable(self) -> None:
        if self.remote:
            raise MnemoError(REMOTE_NOTICE.replace("is off", "cannot be turned on"))
        self.check_tokenizer()
        self._session_off = False
        self.notice = ""
        self.settings.set("decoder.enabled", True)

    def disable(self) -> None:
        self.settings.set("decoder.enabled", False)

    def status(self) -> DecoderStatus:
        import json

        from models.decoder.checkpoint import read_record

        ds = None
        if (self.datastore_dir / "build.json").exists():
            ds = json.loads((self.datastore_dir / "build.json").read_text(encoding="utf-8"))
        rec = read_record(self.checkpoint_dir)
        enabled = bool(self.settings.settings.decoder.enabled)
        active = enabled and not self._session_off and rec is not None and not self.remote
        resumable = (self.checkpoint_dir / "train_state.pt").exists()
        notice = REMOTE_NOTICE if self.remote else self.notice
        return DecoderStatus(enabled=enabled, active=active, datastore=ds, checkpoint=rec, notice=notice,
                             extra={"resumable_training": resumable})

    # ---- chat hook --------------------------------------------------------------------------
    def _on_error(self, exc: BaseException) -> None:
        self._session_off = True
        self.notice = (f"The memory decoder failed during an answer ({type(exc).__name__}: {exc}) and is off for "
                       "this session; answers continue without it. Retrain it or disable it with 'mnemo decoder disable'.")

    def processor_factory(self) -> list[Any] | None:
        """For ChatService: ``[processor]`` when the decoder is enabled and usable, else None."""
        d = self.settings.settings.decoder
        if not d.enabled or self._session_off or self.remote:
            return None
        with self._lock:
            try:
                return [self._get_processor(d)]
            except MnemoError as exc:
                self._session_off = True
                self.notice = f"The memory decoder is enabled but not used: {exc}"
                log.warning(self.notice)
                return None

    def chat_notice(self) -> str:
        """For an answer's meta: why an enabled decoder was not mixed into it ("" when it was, or is off)."""
        if not self.settings.settings.decoder.enabled:
            return ""
        if self.remote:
            return REMOTE_NOTICE
        return self.notice if self._session_off else ""

    def _get_processor(self, d: Any) -> Any:
        from models.decoder.config import resolve_device
        from models.decoder.mixing import MemoryDecoderProcessor

        stamp = (self.checkpoint_dir / "decoder.safetensors").stat().st_mtime if (self.checkpoint_dir / "decoder.safetensors").exists() else None
        key = (stamp, d.alpha, d.device)
        if self._processor is None or self._processor_key != key:
            ckpt = self._checkpoint()
            self.check_tokenizer(ckpt)
            try:
                device = resolve_device(d.device)
            except RuntimeError:
                device = "cpu"
            self._processor = MemoryDecoderProcessor(ckpt.model(device), ckpt.vocab, d.alpha, device, on_error=self._on_error)
            self._processor_key = key
        return self._processor
