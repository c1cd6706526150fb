"""Views of the documents (and memories) that show sensitive values again, for the one use allowed.

Stored text holds placeholders (``core.privacy.vault``). A consumer that may see the values wraps
its source in one of these: autofill's passage search while ``autofill.fill_sensitive`` is on, the
persona's fact extraction (its sensitive facts are stored encrypted). ``allowed`` is read at each
call, so a changed setting applies at once.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable, Iterator

from core.privacy.vault import SensitiveVault

if TYPE_CHECKING:
    from core.documents.model import ChunkView, DocumentInfo, PassageHit
    from core.memory.retrieval import Candidate
    from core.ports import DocumentListener, DocumentSource, MemorySearch


class RevealedDocuments:
    """A ``DocumentSource`` whose passages show their sensitive values while ``allowed()``."""

    def __init__(self, documents: DocumentSource, vault: SensitiveVault, allowed: Callable[[], bool]) -> None:
        self.documents = documents
        self.vault = vault
        self.allowed = allowed

    def search(self, query: str, k: int = 20) -> list[PassageHit]:
        hits = self.documents.search(query, k)
        if not self.allowed():
            return hits
        return [dataclasses.replace(h, text=self.vault.reveal(h.text)) for h in hits]

    def iter_chunks(self, document_ids: list[int] | None = None) -> Iterator[ChunkView]:
        for ch in self.documents.iter_chunks(document_ids):
            if self.allowed():
                ch = dataclasses.replace(ch, text=self.vault.reveal(ch.text), meta=self.vault.reveal_obj(ch.meta))
            yield ch

    def get_document(self, document_id: int) -> DocumentInfo:
        return self.documents.get_document(document_id)

    def add_listener(self, fn: DocumentListener) -> None:
        self.documents.add_listener(fn)


class RevealedMemories:
    """A ``MemorySearch`` whose memories and turns show their sensitive values while ``allowed()``."""

    def __init__(self, memory: MemorySearch, vault: SensitiveVault, allowed: Callable[[], bool]) -> None:
        self.memory = memory
        self.vault = vault
        self.allowed = allowed

    def search(self, query: str, k: int = 10) -> list[Candidate]:
        got = self.memory.search(query, k)
        if not self.allowed():
            return got
        return [dataclasses.replace(c, text=self.vault.reveal(c.text)) for c in got]
