"""One shared fake per port of ``core.ports``; every test that needs a stand-in uses these.

- ``FakeChatModel`` (ChatModel): streams a fixed answer, answers ``complete_json`` from a
  dict or a function of (messages, schema), and records every call.
- ``FakeEmbedder`` (TextEmbedder): deterministic bag-of-words vectors of width ``dim``; a
  ``width`` other than ``dim`` makes it lie about its dimension (to test that Mnemo notices).
- ``FakeDocuments`` (DocumentSource): chunks held in memory.

Each is checked against its protocol by mypy (``_checks`` at the bottom).
"""
from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import numpy as np

from core.documents.model import ChunkView, DocumentInfo, PassageHit
from models.llm import ModelInfo, Sampling

if TYPE_CHECKING:
    from core.ports import Cancellable, ChatModel, DocumentListener, DocumentSource, TextEmbedder

JsonAnswer = dict[str, Any] | Callable[[Sequence[dict[str, str]], dict[str, Any]], Any] | None


class FakeChatModel:
    """A chat model that says ``answer`` (whole, or word by word with ``by_words``) and answers JSON calls."""

    def __init__(self, answer: str = "ok", json: JsonAnswer = None, *, by_words: bool = False,
                 name: str = "fake-model") -> None:
        self.answer = answer
        self.json = json
        self.by_words = by_words
        self.chats: list[list[dict[str, str]]] = []        # the messages of every stream_chat call
        self.json_messages: list[list[dict[str, str]]] = []
        self.schemas: list[dict[str, Any]] = []
        self.samplings: list[Sampling | None] = []
        self.closed = False
        self._info = ModelInfo(path=f"/fake/{name}.gguf", name=name, architecture="fake", n_vocab=256, n_ctx=4096,
                               n_layers=1, gpu_offload_supported=False, n_gpu_layers_requested=0, layers_offloaded=0,
                               tokenizer="fake-tokenizer", chat_template=True)

    # ---- what the tests read ------------------------------------------------------------------
    @property
    def messages(self) -> list[dict[str, str]] | None:
        """The messages of the last chat."""
        return self.chats[-1] if self.chats else None

    @property
    def system_prompts(self) -> list[str]:
        return [m[0]["content"] for m in self.chats if m and m[0]["role"] == "system"]

    @property
    def json_calls(self) -> int:
        return len(self.schemas)

    # ---- ChatModel ----------------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return True

    @property
    def info(self) -> ModelInfo:
        return self._info

    def pieces(self, messages: Sequence[dict[str, str]]) -> list[str]:
        """What one chat streams; override for an answer that depends on the prompt."""
        return [w + " " for w in self.answer.split(" ")] if self.by_words else [self.answer]

    def stream_chat(self, messages: Sequence[dict[str, str]], sampling: Sampling | None = None,
                    cancel: Cancellable | None = None, logits_processor: Any = None,
                    on_done: Callable[[dict[str, Any]], None] | None = None) -> Iterator[str]:
        self.chats.append(list(messages))
        self.samplings.append(sampling)
        n = 0
        for piece in self.pieces(messages):
            if cancel is not None and cancel.cancelled:
                break
            n += 1
            yield piece
        if on_done is not None:
            on_done({"pieces": n, "seconds": 0.01, "finish_reason": "stop"})

    def chat(self, messages: Sequence[dict[str, str]], sampling: Sampling | None = None,
             cancel: Cancellable | None = None) -> str:
        return "".join(self.stream_chat(messages, sampling, cancel))

    def complete_json(self, messages: Sequence[dict[str, str]], schema: dict[str, Any],
                      sampling: Sampling | None = None) -> Any:
        self.json_messages.append(list(messages))
        self.schemas.append(schema)
        self.samplings.append(sampling)
        if callable(self.json):
            return self.json(messages, schema)
        return dict(self.json) if self.json is not None else {}

    def tokenize(self, text: str, add_bos: bool = True, special: bool = False) -> list[int]:
        return ([1] if add_bos else []) + list(text.encode("utf-8"))

    def detokenize(self, tokens: Sequence[int]) -> str:
        return bytes(t for t in tokens if 1 < t < 256).decode("utf-8", errors="replace")

    def call(self, fn: Callable[[Any], Any]) -> Any:
        raise NotImplementedError("FakeChatModel has no llama.cpp instance to lend")

    def close(self) -> None:
        self.closed = True


class FakeEmbedder:
    """Deterministic bag-of-words unit vectors: isolates a test from the embedding model.

    ``width`` (default ``dim``) is how wide the vectors really are: a fake that declares one
    dimension and returns another stands for a broken or misconfigured embedder.
    """

    def __init__(self, dim: int = 384, width: int | None = None, name: str = "fake-hash") -> None:
        self._dim = dim
        self.width = dim if width is None else width
        self._name = name
        self.calls = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.width), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, zlib.crc32(w.encode()) % self.width] += 1.0
            out[i] /= max(1e-6, float(np.linalg.norm(out[i])))
        return out


class FakeDocuments:
    """Imported documents held in memory: ``add(text, ...)`` makes a one-chunk document."""

    def __init__(self) -> None:
        self.chunks: list[ChunkView] = []
        self.docs: dict[int, DocumentInfo] = {}
        self.listeners: list[DocumentListener] = []

    def add(self, text: str, name: str = "notes.md", fmt: str = "md", meta: dict[str, Any] | None = None,
            owner_self: bool = False) -> ChunkView:
        doc_id = len(self.docs) + 1
        self.docs[doc_id] = DocumentInfo(id=doc_id, path=f"/docs/{name}", name=name, format=fmt, status="ok", error="",
                                         n_chunks=1, size=len(text), content_hash=str(doc_id),
                                         meta={"owner": "self"} if owner_self else {}, imported_at="", updated_at="")
        chunk = ChunkView(id=len(self.chunks) + 1, document_id=doc_id, text=text, source=f"{name}, line 1",
                          meta=dict(meta or {}), format=fmt, ordinal=0)
        self.chunks.append(chunk)
        for fn in self.listeners:
            fn("imported", doc_id)
        return chunk

    def search(self, query: str, k: int = 20) -> list[PassageHit]:
        words = set(query.lower().split())
        scored = [(len(words & set(c.text.lower().split())), c) for c in self.chunks]
        return [PassageHit(c.id, c.document_id, c.text, c.source, float(s), dict(c.meta))
                for s, c in sorted(scored, key=lambda p: -p[0]) if s > 0][:k]

    def iter_chunks(self, document_ids: list[int] | None = None) -> Iterator[ChunkView]:
        return iter([c for c in self.chunks if document_ids is None or c.document_id in document_ids])

    def get_document(self, document_id: int) -> DocumentInfo:
        return self.docs[document_id]

    def add_listener(self, fn: DocumentListener) -> None:
        self.listeners.append(fn)


def _checks() -> None:  # pragma: no cover - read by mypy only: each fake satisfies its port
    _m: ChatModel = FakeChatModel()
    _e: TextEmbedder = FakeEmbedder()
    _d: DocumentSource = FakeDocuments()
