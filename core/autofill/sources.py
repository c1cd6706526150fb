"""Passages autofill may answer a field from: imported documents first, then reflected memories.

``PassageSearch`` is the ``SearchFn`` the model's last-resort answer reads: ``(query, k) ->
[(citation, text)]``, where the citation names the document chunk or memory the text is from.
A failing side (a vector index being rebuilt, say) is logged and the other side still answers.
"""
from __future__ import annotations

import logging
from typing import Sequence

from core.errors import MnemoError
from core.ports import DocumentSearch, MemorySearch

log = logging.getLogger(__name__)


class PassageSearch:
    """Documents' passages and memories for a query, as (citation, text) pairs, documents first."""

    def __init__(self, documents: DocumentSearch | None, memory: MemorySearch | None) -> None:
        self.documents = documents
        self.memory = memory

    def __call__(self, query: str, k: int) -> Sequence[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.documents is not None:
            try:
                out += [(f"document:{h.source or h.chunk_id}", h.text) for h in self.documents.search(query, k) if h.text]
            except MnemoError as exc:
                log.warning("autofill: document search failed: %s", exc)
        if self.memory is not None:
            try:
                out += [(f"memory:{c.source or c.id}", c.text) for c in self.memory.search(query, k) if c.text]
            except MnemoError as exc:
                log.warning("autofill: memory search failed: %s", exc)
        return out[:k]
