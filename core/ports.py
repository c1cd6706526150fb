"""The ports: one small typed interface for each thing a service needs from another.

``app/services.py`` wires concrete objects into these explicitly; no service finds a
collaborator by probing for names or signatures. ``tests/fakes.py`` holds one shared fake
per port. Everything here is a ``typing.Protocol``: the real classes satisfy them
structurally and mypy checks that they do.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Protocol, Sequence

import numpy as np

if TYPE_CHECKING:  # value types only; no heavy import at run time
    from core.documents.model import ChunkView, DocumentInfo, PassageHit
    from core.memory.retrieval import Candidate
    from core.memory.tables import Memory
    from core.store.vectors import VectorHit
    from models.llm import ModelInfo, Sampling

ChatMessage = dict[str, str]


class Cancellable(Protocol):
    """Anything with a ``cancelled`` flag (``core.jobs.CancelToken``)."""

    @property
    def cancelled(self) -> bool: ...


class ChatModel(Protocol):
    """The chat model (``models.llm.LlamaRuntime``): streamed chat, constrained JSON, tokens."""

    @property
    def loaded(self) -> bool: ...

    @property
    def info(self) -> ModelInfo: ...

    def stream_chat(self, messages: Sequence[ChatMessage], sampling: Sampling | None = None,
                    cancel: Cancellable | None = None, logits_processor: Any = None,
                    on_done: Callable[[dict[str, Any]], None] | None = None) -> Iterator[str]: ...

    def chat(self, messages: Sequence[ChatMessage], sampling: Sampling | None = None,
             cancel: Cancellable | None = None) -> str: ...

    def complete_json(self, messages: Sequence[ChatMessage], schema: dict[str, Any],
                      sampling: Sampling | None = None) -> Any: ...

    def tokenize(self, text: str, add_bos: bool = True, special: bool = False) -> list[int]: ...

    def detokenize(self, tokens: Sequence[int]) -> str: ...

    def call(self, fn: Callable[[Any], Any]) -> Any: ...

    def close(self) -> None: ...


class TextEmbedder(Protocol):
    """Sentence embeddings (``models.embedder.Embedder``): unit-length float32 rows of width ``dim``."""

    @property
    def name(self) -> str: ...

    @property
    def device(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class VectorStore(Protocol):
    """Named collections of vectors keyed by SQLite ids (``core.store.vectors.VectorIndex``, Chroma)."""

    def upsert(self, name: str, ids: Sequence[str | int], embeddings: np.ndarray,
               metadatas: Sequence[dict[str, Any]] | None = None) -> None: ...

    def delete(self, name: str, ids: Iterable[str | int]) -> None: ...

    def query(self, name: str, embedding: np.ndarray, n: int,
              where: dict[str, Any] | None = None) -> list[VectorHit]: ...

    def count(self, name: str) -> int: ...

    def width(self, name: str) -> int | None: ...

    def vectors(self, name: str, ids: Sequence[str | int]) -> dict[str, np.ndarray]: ...

    def ids(self, name: str) -> set[str]: ...

    def drop(self, name: str) -> None: ...

    def rebuild(self, name: str, rows: Iterable[tuple[str | int, np.ndarray, dict[str, Any] | None]]) -> int: ...


DocumentListener = Callable[[str, int], None]


class DocumentSearch(Protocol):
    """Passages of the imported documents for a query, best first (``DocumentService.search``)."""

    def search(self, query: str, k: int = 20) -> list[PassageHit]: ...


class DocumentSource(DocumentSearch, Protocol):
    """What the persona, the memory decoder's corpus and autofill read of the imported documents."""

    def iter_chunks(self, document_ids: list[int] | None = None) -> Iterator[ChunkView]: ...

    def get_document(self, document_id: int) -> DocumentInfo: ...

    def add_listener(self, fn: DocumentListener) -> None: ...


class MemorySearch(Protocol):
    """Reflected memories and raw turns for a query, best first (``MemoryService.search``)."""

    def search(self, query: str, k: int = 10) -> list[Candidate]: ...


class MemoryList(MemorySearch, Protocol):
    """Memory search plus paging through every stored memory (the persona's topics read them)."""

    def list(self, query: str = "", limit: int = 100, offset: int = 0) -> list[Memory]: ...


class FactView(Protocol):
    """The part of a persona fact other features read (``core.persona.facts.FactRecord``)."""

    @property
    def key(self) -> str: ...

    @property
    def value(self) -> str: ...

    @property
    def id(self) -> Any: ...

    @property
    def source(self) -> str: ...

    @property
    def confidence(self) -> float: ...

    @property
    def sensitive(self) -> bool: ...

    @property
    def pinned(self) -> bool: ...


class FactSource(Protocol):
    """The user's profile facts (``core.persona.facts.FactStore``)."""

    def all(self, reveal: bool = False) -> Sequence[FactView]: ...

    def get(self, key: str, reveal: bool = False) -> FactView | None: ...

    def set(self, key: str, value: str, source: str = "user", pinned: bool = True,
            confidence: float = 1.0) -> FactView: ...


# Loaders: heavy collaborators (the model, the embedder) are built on first use by the composition root.
ChatModelLoader = Callable[[], ChatModel]
EmbedderLoader = Callable[[], TextEmbedder]
