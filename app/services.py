"""The composition root: one ``Services`` per data folder builds every service from the settings.

The UI and the CLI receive this object; they never build services themselves. Heavy
services (the model, the embedder, Chroma) are created on first use.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from app.paths import DataPaths
from core.chat.service import ChatService
from core.chat.store import ConversationStore
from core.secrets import SecretStore
from core.settings import SettingsStore
from core.store.db import Database
from core.store.lock import FolderLock
from core.store.vectors import VectorIndex

log = logging.getLogger(__name__)

MODEL_KEYS = {"model.path", "model.n_gpu_layers", "model.n_ctx", "model.n_threads", "model.n_batch",
              "model.flash_attn", "model.seed"}
EMBEDDER_KEYS = {"model.embedder_path", "model.embedder_device"}


class Services:
    """Everything Mnemo needs for one data folder, built once."""

    def __init__(self, home: Path | None = None, lock: bool = True) -> None:
        self.paths = DataPaths.create(home)
        _setup_logging(self.paths)
        self.lock = FolderLock(self.paths.home)
        if lock:
            self.lock.acquire()
        self._llm_lock = threading.Lock()
        self._llm: Any = None
        self._embedder: Any = None
        try:
            self.settings_store = SettingsStore(self.paths.settings)
            for w in self.settings_store.warnings:
                log.warning(w)
            self.db = Database(self.paths.db)
            self.secrets = SecretStore(self.paths.home)
            self.vectors = VectorIndex(self.paths.vectors)
            self.conversations = ConversationStore(self.db)
            self.chat = ChatService(self.conversations, self.settings_store, lambda: self.llm)
            self._build_features()
        except BaseException:
            self.lock.release()
            raise
        self.settings_store.on_change(self._on_settings_changed)

    def _build_features(self) -> None:
        """Build the services of each feature (documents, memory, persona, decoder, autofill)."""
        # Each feature adds its service here, in dependency order.
        self._build_documents()
        self._build_memory()
        self._build_persona()
        self._build_decoder()
        self._build_autofill()  # autofill: keep last (it reads persona, documents and memory when present)

    def _build_persona(self) -> None:
        """Persona memory (L1): facts, topics, biography; its profile goes into every chat's system prompt."""
        from core.persona.service import PersonaService

        self.persona = PersonaService(
            self.db, self.vectors, self.secrets, self.settings_store, conversations=self.conversations,
            documents=lambda: getattr(self, "documents", None), llm=lambda: self.llm, embedder=lambda: self.embedder,
            llm_ready=lambda: self._llm is not None and bool(getattr(self._llm, "loaded", True)),
            memories=lambda: getattr(self, "memory", None))
        self.persona.attach()
        self.chat.add_provider(self.persona.provider)

    def _build_decoder(self) -> None:
        """Memory decoder (L2): mixed into answers by a logits processor when decoder.enabled is on and the
        checkpoint's tokenizer matches the chat model's (checked when the model is loaded, at the first answer)."""
        from core.decoder.service import DecoderService

        self.decoder = DecoderService(self.paths.models / "decoder", self.settings_store, self.conversations,
                                      lambda: self.llm, documents_provider=lambda: getattr(self, "documents", None))
        self.chat.set_logits_processor(self.decoder.processor_factory)

    def _build_autofill(self) -> None:
        from core.autofill import AutofillService
        from core.autofill.sources import memory_search, persona_facts

        self.autofill = AutofillService(
            settings=lambda: self.settings.autofill, facts=lambda: persona_facts(self),
            embed=lambda texts: self.embedder.embed(texts), llm=lambda: self.llm, search=lambda: memory_search(self))

    def _build_memory(self) -> None:
        """Reflective memory (RMM): memories + document passages, reranked, in every answer; idle reflection."""
        from core.memory.service import MemoryService

        self.memory = MemoryService(self.db, self.vectors, self.conversations, self.settings_store, lambda: self.llm,
                                    lambda: self.embedder, self.paths.models,
                                    documents=lambda: getattr(self, "documents", None))
        self.chat.add_provider(self.memory.provider)
        self.memory.start_background()

    def _build_documents(self) -> None:
        """Imported documents (L0 memory) and their passages in chat answers."""
        from core.documents import DocumentService

        # Passages reach answers through the memory provider, which ranks them with memories.
        self.documents = DocumentService(self.db, self.vectors, lambda: self.embedder, self.settings_store)

    def rebuild_vectors(self) -> int:
        """Rebuild every Chroma collection from the vectors kept in SQLite (``mnemo doctor --rebuild-vectors``)."""
        n = self.documents.rebuild_vectors()
        memory = getattr(self, "memory", None)
        if memory is not None:
            n += memory.store.rebuild_vectors()
        return n

    # ---- settings --------------------------------------------------------------------------
    @property
    def settings(self):  # -> core.settings.Settings
        return self.settings_store.settings

    def _on_settings_changed(self, keys: set[str]) -> None:
        if keys & MODEL_KEYS:
            self.reload_llm()
        if keys & EMBEDDER_KEYS:
            self._embedder = None

    # ---- models ----------------------------------------------------------------------------
    def llm_config(self):  # -> models.llm.LlamaConfig
        from models.llm import LlamaConfig

        m = self.settings.model
        return LlamaConfig(path=m.path, n_gpu_layers=m.n_gpu_layers, n_ctx=m.n_ctx, n_threads=m.n_threads,
                           n_batch=m.n_batch, flash_attn=m.flash_attn, seed=m.seed)

    @property
    def llm(self):  # -> models.llm.LlamaRuntime
        with self._llm_lock:
            if self._llm is None:
                from models.llm import LlamaRuntime

                self._llm = LlamaRuntime(self.llm_config())
            return self._llm

    @property
    def llm_loaded(self) -> bool:
        return self._llm is not None and self._llm.loaded

    def set_llm(self, llm: Any) -> None:
        """Use ``llm`` (anything with LlamaRuntime's methods) instead of loading the configured model; for tests."""
        with self._llm_lock:
            self._llm = llm

    def reload_llm(self) -> None:
        """Drop the current model; the next use loads it with the new settings."""
        with self._llm_lock:
            old, self._llm = self._llm, None
        if old is not None:
            old.close()

    @property
    def embedder(self):  # -> models.embedder.Embedder
        if self._embedder is None:
            from models.embedder import Embedder

            m = self.settings.model
            self._embedder = Embedder(m.embedder_path or None, device=m.embedder_device)
        return self._embedder

    # ---- life cycle ------------------------------------------------------------------------
    def close(self) -> None:
        if getattr(self, "documents", None) is not None:
            self.documents.stop_watching()  # the watched-folder poller, if the window started it
        if getattr(self, "memory", None) is not None:
            self.memory.close()  # stop idle reflection before the model and the database close
        if getattr(self, "persona", None) is not None:
            self.persona.close()  # stop its background worker before the database closes
        if self._llm is not None:
            close = getattr(self._llm, "close", None)  # a test's stand-in may have none
            if callable(close):
                close()
            self._llm = None
        self.db.close()
        self.lock.release()

    def __enter__(self) -> "Services":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _setup_logging(paths: DataPaths) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_mnemo", False) for h in root.handlers):
        return
    from logging.handlers import RotatingFileHandler

    handler = RotatingFileHandler(paths.logs / "mnemo.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._mnemo = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
