"""The chat's passage provider: the best imported passages for a message, shown as ``[i]``.

Hybrid search returns ``retrieval.top_k`` candidates; the best ``retrieval.top_m`` by fused
score are shown with their sources. Passages are not learned from (RMM's reranker owns that).
"""
from __future__ import annotations

from typing import Any, Sequence

from core.chat.context import ContextItem, PreparedContext


class PassageContextProvider:
    """A ``ContextProvider`` over ``DocumentService.search``."""

    def __init__(self, documents: Any, settings_store: Any) -> None:
        self.documents = documents
        self.settings_store = settings_store

    def items(self, query: str) -> list[ContextItem]:
        r = self.settings_store.settings.retrieval
        hits = self.documents.search(query, k=r.top_k)[: r.top_m]
        return [ContextItem(kind="passage", ref=f"chunk:{h.chunk_id}", text=h.text, source=h.source, score=h.score,
                            meta={"document_id": h.document_id, "chunk_id": h.chunk_id,
                                  **{k: v for k, v in h.meta.items() if k in ("path", "page", "line", "message_id", "date")}})
                for h in hits]

    def prepare(self, query: str, history: Sequence[dict[str, str]], conversation_id: int | None) -> PreparedContext:
        if not self.documents.store.has_chunks():
            return PreparedContext()
        return PreparedContext(items=self.items(query))

    def feedback(self, prepared: PreparedContext, shown: list[ContextItem], cited: list[int]) -> None:
        return None
