"""The composition root: one ``Services`` per data folder builds every service from the settings.

The UI and the CLI receive this object; they never build services themselves. Heavy
services (the model, the embedder, Chroma) are created on first use.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from app.paths import DataPaths
from core.ports import ChatModel, TextEmbedder
from core.errors import MnemoError
from core.persona.crypto import FactCipher
from core.privacy.vault import SensitiveVault
from core.secrets import SecretStore
from core.settings import SettingsStore
from core.store.db import Database
from core.store.lock import FolderLock
from core.store.vectors import VectorIndex

if TYPE_CHECKING:
    from core.autofill import AutofillService
    from core.chat.service import ChatService
    from core.chat.store import ConversationStore
    from core.decoder.service import DecoderService
    from core.documents import DocumentService
    from core.memory.service import MemoryService
    from core.modelhub import ModelCatalog
    from core.persona.service import PersonaService
    from core.jobs import CancelToken, Progress, ProgressFn
    from core.privacy.protect import ProtectReport
    from core.settings import Settings
    from core.store.reembed import Reembedder
    from core.store.vector_backend import VectorLocation
    from models.llm import LlamaConfig
    from models.openai_llm import OpenAIConfig

log = logging.getLogger(__name__)

MODEL_KEYS = {"model.path", "model.n_gpu_layers", "model.n_ctx", "model.n_threads", "model.n_batch",
              "model.flash_attn", "model.seed",
              "model.backend", "model.base_url", "model.server_model"}
EMBEDDER_KEYS = {"model.embedder_path", "model.embedder_device"}
STORAGE_KEYS = {"storage.vectors", "storage.chroma_host", "storage.chroma_port", "storage.chroma_ssl"}


class Services:
    """Everything Mnemo needs for one data folder, built once."""

    def __init__(self, home: Path | None = None, lock: bool = True) -> None:
        self.paths = DataPaths.create(home)
        _setup_logging(self.paths)
        self.lock = FolderLock(self.paths.home)
        if lock:
            self.lock.acquire()
        self._llm_lock = threading.Lock()
        self._llm: ChatModel | None = None
        self._embedder: TextEmbedder | None = None
        self._embedder_lock = threading.Lock()   # the window warms it up in a thread of its own
        try:
            self.settings_store = SettingsStore(self.paths.settings)
            for w in self.settings_store.warnings:
                log.warning(w)
            self.db = Database(self.paths.db)
            self.secrets = SecretStore(self.paths.home)
            # Card numbers, IBANs, ID numbers, passwords in documents and chat: stored as placeholders, the values
            # encrypted with the key of the sensitive facts; values stored before that are protected now.
            self.sensitive = SensitiveVault(self.db, FactCipher(self.secrets.get_or_create_fernet_key))
            if lock:
                try:
                    self.protect_sensitive()
                except MnemoError as exc:  # a locked keyring, say: start anyway; the next start goes on
                    log.warning("sensitive values already stored could not be protected yet: %s", exc)
            self.vectors = VectorIndex(location=self.vector_location())  # storage.*: the data folder or a server
        except BaseException:
            self.lock.release()
            raise
        # The features are built when first used: a search builds only the documents' (no chat, persona or
        # memory imported: a quick command's start), anything else builds them all, wired together.
        self._features_lock = threading.RLock()
        self._documents: DocumentService | None = None
        self._conversations: ConversationStore | None = None
        self._features_built = False
        self.settings_store.on_change(self._on_settings_changed)

    # ---- features ----------------------------------------------------------------------------
    @property
    def conversations(self) -> ConversationStore:
        """Conversations and their messages (the ORM: a search does not import it)."""
        with self._features_lock:
            if self._conversations is None:
                from core.chat.store import ConversationStore

                self._conversations = ConversationStore(self.db, self.sensitive)
            return self._conversations

    @property
    def documents(self) -> DocumentService:
        """Imported documents (L0): import, search, the watched folders."""
        with self._features_lock:
            if self._documents is None:
                from core.documents import DocumentService

                docs = DocumentService(self.db, self.vectors, self._load_embedder, self.settings_store,
                                       sensitive=self.sensitive)
                docs.add_listener(self._document_changed)
                self._documents = docs
            return self._documents

    def _document_changed(self, event: str, document_id: int) -> None:
        """Every change of a document reaches the persona through here (built with the others at the first one)."""
        self.persona.document_changed(event, document_id)

    @property
    def chat(self) -> ChatService:
        return self._feature("_chat")

    @property
    def memory(self) -> MemoryService:
        return self._feature("_memory")

    @property
    def persona(self) -> PersonaService:
        return self._feature("_persona")

    @property
    def decoder(self) -> DecoderService:
        return self._feature("_decoder")

    @property
    def models(self) -> ModelCatalog:
        return self._feature("_models")

    @property
    def autofill(self) -> AutofillService:
        return self._feature("_autofill")

    def _feature(self, name: str):  # -> the feature's service
        self.build_features()
        return getattr(self, name)

    def build_features(self) -> None:
        """Build every feature now, if not yet (the window does it in its opening job, off the UI thread)."""
        with self._features_lock:
            if not self._features_built:
                self._build_features()

    def _build_features(self) -> None:
        """Build the services of each feature, in dependency order, each given exactly what it needs."""
        from core.autofill import AutofillService
        from core.autofill.sources import PassageSearch
        from core.chat.service import ChatService
        from core.decoder.service import DecoderService
        from core.memory.service import MemoryService
        from core.persona.service import PersonaService
        from core.privacy.reveal import RevealedDocuments, RevealedMemories

        documents = self.documents
        self._chat = chat = ChatService(self.conversations, self.settings_store, self._load_llm)
        # Imported documents' passages reach answers through the memory provider, which ranks them with memories.
        # Reflective memory (RMM): memories + document passages, reranked, in every answer; idle reflection.
        self._memory = memory = MemoryService(self.db, self.vectors, self.conversations, self.settings_store,
                                              self._load_llm, self._load_embedder, self.paths.models,
                                              documents=documents)
        chat.add_provider(memory.provider)
        memory.start_background()
        # Persona memory (L1): facts, topics, biography; its profile goes into every chat's system prompt.
        self._persona = persona = PersonaService(
            self.db, self.vectors, self.secrets, self.settings_store, conversations=self.conversations,
            # the persona reads documents with their values: the sensitive facts it finds are stored encrypted
            documents=RevealedDocuments(documents, self.sensitive, lambda: True),
            llm=self._load_llm, embedder=self._load_embedder,
            llm_ready=lambda: self.llm_loaded, memories=memory,
            mask=self.sensitive.mask)   # what it writes, and what the model sees of that text, is masked again
        persona.attach(documents=False)   # documents' changes come through _document_changed
        chat.add_provider(persona.provider)
        chat.add_answerer(persona.answers)
        # Memory decoder (L2): mixed into answers by a logits processor when decoder.enabled is on and the
        # checkpoint's tokenizer matches the chat model's (checked when the model is loaded, at the first answer).
        self._decoder = decoder = DecoderService(self.paths.models / "decoder", self.settings_store,
                                                 self.conversations, self._load_llm,
                                                 lambda: self.llm_config().resolved_path(), documents=documents)
        chat.set_logits_processor(decoder.processor_factory, decoder.chat_notice)
        # The model manager: the embedded model, the GGUFs downloaded into models/llm and those added by path.
        from core.modelhub import ModelCatalog
        from models.embedded import default_gguf

        self._models = ModelCatalog(self.paths.models / "llm", self.settings_store, default_gguf,
                                    decoder_checkpoint=decoder.checkpoint_dir)
        # Autofill reads the persona's facts, and documents and memories for what the facts do not say.
        facts = persona.facts

        def fill_sensitive() -> bool:
            return bool(self.settings.autofill.fill_sensitive)
        self._autofill = AutofillService(
            settings=lambda: self.settings.autofill, facts=lambda: facts,
            embedder=self._load_embedder, llm=self._load_llm,
            # passages show sensitive values only while autofill.fill_sensitive allows it
            search=PassageSearch(RevealedDocuments(documents, self.sensitive, fill_sensitive),
                                 RevealedMemories(memory, self.sensitive, fill_sensitive)))
        self._features_built = True

    def _load_llm(self) -> ChatModel:
        return self.llm

    def _load_embedder(self) -> TextEmbedder:
        return self.embedder

    def protect_sensitive(self, progress: ProgressFn | None = None, cancel: CancelToken | None = None,
                          again: bool = False) -> ProtectReport | None:
        """Mask and encrypt the sensitive values stored before masking existed (first start; kill-safe).

        ``again`` scans every row once more (``mnemo doctor --protect-sensitive``). None = nothing to do.
        """
        from core.privacy import protect

        if again:
            protect.reset(self.sensitive)
        elif not protect.needed(self.sensitive):
            return None
        return protect.protect_existing(self.sensitive, progress or _log_progress, cancel)

    def vector_location(self, backend: str | None = None) -> VectorLocation:
        """Where the vector index is by ``storage.*`` (or would be with ``backend``); the token from the keyring."""
        from core.store.vector_backend import TOKEN_SECRET, location

        return location(self.settings.storage, self.paths.home, lambda: self.secrets.get(TOKEN_SECRET), backend)

    def rebuild_vectors(self) -> int:
        """Rebuild every Chroma collection from the vectors kept in SQLite (``mnemo doctor --rebuild-vectors``)."""
        return self.documents.rebuild_vectors() + self.memory.store.rebuild_vectors()

    # ---- settings --------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self.settings_store.settings

    def _on_settings_changed(self, keys: set[str]) -> None:
        if keys & STORAGE_KEYS:
            self.vectors.switch(self.vector_location())  # every store holds this one index: they follow
        if keys & MODEL_KEYS:
            self.reload_llm()
        if keys & EMBEDDER_KEYS:
            self._embedder = None  # the next use loads the new one; stored vectors are checked against it
            if "model.embedder_path" in keys:
                log.warning("model.embedder_path changed: vectors stored by another embedder are embedded again by "
                            "'mnemo reembed' (searches say so until then)")

    # ---- models ----------------------------------------------------------------------------
    def llm_config(self) -> LlamaConfig:
        from models.llm import LlamaConfig

        m = self.settings.model
        return LlamaConfig(path=m.path, n_gpu_layers=m.n_gpu_layers, n_ctx=m.n_ctx, n_threads=m.n_threads,
                           n_batch=m.n_batch, flash_attn=m.flash_attn, seed=m.seed)

    def server_llm_config(self) -> OpenAIConfig:
        """The model server of ``model.backend = openai``; its API key is read from the keyring at each request."""
        from models.openai_llm import OpenAIConfig

        m = self.settings.model
        return OpenAIConfig(base_url=m.base_url, model=m.server_model, fallback_n_ctx=m.n_ctx,
                            key_source=lambda: self.secrets.get("model.api_key"))

    @property
    def llm(self) -> ChatModel:
        """The chat model: the local GGUF (``model.backend = embedded``) or the model server (``openai``)."""
        with self._llm_lock:
            if self._llm is None:
                if self.settings.model.backend == "openai":
                    from models.openai_llm import OpenAIChatModel

                    self._llm = OpenAIChatModel(self.server_llm_config())
                else:
                    from models.llm import LlamaRuntime

                    self._llm = LlamaRuntime(self.llm_config())
            return self._llm

    def preload_model(self) -> None:
        """Start loading the chat model in the background: llama.cpp loads in native code, beside the Python work
        that follows (the window's features and panes). Its first use finds it loaded, or waits for it, and meets a
        failure as before. Not for commands that print: llama-cpp-python points stdout and stderr at /dev/null
        while it loads, so what another thread prints meanwhile is lost."""
        def load() -> None:
            try:
                self.llm.info  # noqa: B018 -- reading it loads the model
            except Exception:  # the first use meets the same error and reports it
                log.debug("preloading the model failed", exc_info=True)

        threading.Thread(target=load, name="mnemo-model-preload", daemon=True).start()

    @property
    def llm_loaded(self) -> bool:
        return self._llm is not None and self._llm.loaded

    def set_llm(self, llm: ChatModel | None) -> None:
        """Use ``llm`` instead of loading the configured model (tests, a model loaded elsewhere); None = load it."""
        with self._llm_lock:
            self._llm = llm

    def reload_llm(self) -> None:
        """Drop the current model; the next use loads it with the new settings."""
        with self._llm_lock:
            old, self._llm = self._llm, None
        if old is not None:
            old.close()

    @property
    def embedder(self) -> TextEmbedder:
        """On the CPU, torch for batches and the model's cached ONNX graph for queries (``models.dual_embedder``)."""
        with self._embedder_lock:
            if self._embedder is None:
                m = self.settings.model
                if m.embedder_device == "cpu":
                    from models.dual_embedder import DualEmbedder

                    self._embedder = DualEmbedder(m.embedder_path or None, self.paths.models / "onnx")
                else:
                    from models.embedder import Embedder

                    self._embedder = Embedder(m.embedder_path or None, device=m.embedder_device)
            return self._embedder

    def fast_queries_missing(self) -> bool:
        """True when queries could skip torch but the embedder's ONNX graph is not made yet (and may be made)."""
        from models.dual_embedder import DualEmbedder

        if os.environ.get("MNEMO_ONNX_EXPORT", "1") == "0":
            return False
        emb = self.embedder
        return isinstance(emb, DualEmbedder) and emb.fast() is None and not emb.fast_refused

    def prepare_fast_queries(self) -> str:
        """Make the embedder's ONNX graph once if it is missing (slow: torch); what queries now run on.

        ``MNEMO_ONNX_EXPORT=0`` skips making it (the test suite: 10-30 s per data folder).
        """
        from models.dual_embedder import DualEmbedder

        emb = self.embedder
        if not isinstance(emb, DualEmbedder):
            return f"queries through torch (the embedder runs on {emb.device})"
        if os.environ.get("MNEMO_ONNX_EXPORT", "1") != "0":
            emb.ensure_fast()
        return emb.fast_status

    def set_embedder(self, embedder: TextEmbedder | None) -> None:
        """Use ``embedder`` instead of loading the configured one (tests, an embedder loaded elsewhere)."""
        self._embedder = embedder

    def reembedder(self) -> Reembedder:
        """The re-embed job of this data folder (``mnemo reembed``): ``plan()`` says how much, ``run()`` does it."""
        from core.store.reembed import Reembedder

        return Reembedder(self.db, self.vectors, self._load_embedder)

    # ---- life cycle ------------------------------------------------------------------------
    def close(self) -> None:
        with self._features_lock:
            if self._documents is not None:
                self._documents.stop_watching()  # the watched-folder poller, if the window started it
            if self._features_built:
                self._memory.close()  # stop idle reflection before the model and the database close
                self._persona.close()  # stop its background worker before the database closes
        with self._llm_lock:   # a model being made by preload_model is there once this lock is had
            llm, self._llm = self._llm, None
        if llm is not None:
            llm.close()
        self.db.close()
        self.lock.release()

    def __enter__(self) -> "Services":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _log_progress(p: Progress) -> None:
    """Progress of a job run at start (no window or bar yet): a log line every few thousand rows."""
    if p.total and (p.done % 5000 < 200 or p.message == "done"):
        log.info("%s (%d/%d)", p.message, p.done, p.total)


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
