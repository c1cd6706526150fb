"""Hybrid search internals: index terms, the postings budget, fusion, the similarity floor, orphans."""
from __future__ import annotations

import numpy as np
import pytest

from core.documents.model import ChunkDraft
from core.documents import search as search_module
from core.documents.search import COLLECTION, HybridSearch, budget_terms, index_terms
from core.documents.store import DocumentStore
from core.store.db import Database
from core.store.vectors import VectorIndex
from tests.fakes import FakeEmbedder


def test_index_terms_fold_like_the_tokenizer():
    assert index_terms("Où est le Café? The café_crème, DON'T!") == ["ou", "est", "le", "cafe", "creme", "don"]


def test_budget_keeps_rare_terms_first():
    df = {"the": 90_000, "kayak": 12, "fjord": 300, "boat": 5_000, "absent": 0}
    assert budget_terms(df, budget=6000) == ["kayak", "fjord", "boat"]
    assert budget_terms(df, budget=100) == ["kayak"]
    assert budget_terms({"the": 90_000}, budget=100) == ["the"]  # never nothing when something matches


class AxisEmbedder(FakeEmbedder):
    """Unit vectors along an axis chosen by a keyword: a fake that makes similarities exact."""

    def __init__(self) -> None:
        super().__init__(dim=8, name="axis")

    def embed(self, texts):
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, 0 if "boat" in t else 1 if "tree" in t else 7] = 1.0
        return out


def test_fusion_similarity_floor_and_orphans(tmp_path):
    db = Database(tmp_path / "db.sqlite3")
    store = DocumentStore(db)
    vectors = VectorIndex(tmp_path / "vectors")
    emb = AxisEmbedder()
    drafts = [ChunkDraft("a boat on the lake", "a.txt line 1", {"line": 1}),
              ChunkDraft("an oak tree with kayak paddles", "a.txt line 2", {"line": 2}),
              ChunkDraft("kayak rental prices", "a.txt line 3", {"line": 3})]
    doc_id, rows, _, _ = store.save(path="/a.txt", name="a.txt", fmt="text", content_hash="h", size=1, mtime=0,
                                    meta={}, chunks=drafts)
    ids = [r[0] for r in rows]
    vectors.upsert(COLLECTION, ids, emb.embed([d.text for d in drafts]), [{"document_id": doc_id}] * 3)
    search = HybridSearch(store, vectors, lambda: emb)
    hits = search.search("boat", k=5)
    assert [h.chunk_id for h in hits] == [ids[0]]  # the others are orthogonal: below the floor, no keyword
    hits = search.search("tree kayak", k=5)
    assert hits[0].chunk_id == ids[1] and {h.chunk_id for h in hits} == {ids[1], ids[2]}
    assert hits[0].meta["path"] == "/a.txt" and hits[0].source == "a.txt line 2"
    store.delete(doc_id)  # Chroma still has the vectors: SQLite is the truth, no ghost hits
    assert search.search("boat", k=5) == [] and vectors.count(COLLECTION) == 3
    db.close()


def test_keyword_hits_missing_from_chroma_are_scored_from_their_stored_vectors(tmp_path, monkeypatch):
    """A live passage Chroma's index does not return (chroma-core/chroma#7758) keeps its meaning rank."""
    monkeypatch.setattr(search_module, "EXACT_SEARCH_MAX", 0)  # Chroma's index ranks, as above that many passages
    db = Database(tmp_path / "db.sqlite3")
    store = DocumentStore(db)
    vectors = VectorIndex(tmp_path / "vectors")
    emb = AxisEmbedder()
    drafts = [ChunkDraft("the sailing boat leaves from the pier", "m.eml", {}),
              ChunkDraft("lighthouse tour on the pier", "r.docx", {}),
              ChunkDraft("an oak tree", "t.txt", {})]
    doc_id, rows, _, _ = store.save(path="/m", name="m", fmt="text", content_hash="h", size=1, mtime=0,
                                    meta={}, chunks=drafts)
    ids = [r[0] for r in rows]
    vecs = emb.embed([d.text for d in drafts])
    store.mark_embedded(ids, vecs)                                   # SQLite has every vector ...
    vectors.upsert(COLLECTION, ids[1:], vecs[1:], [{"document_id": doc_id}] * 2)   # ... Chroma lacks the first
    search = HybridSearch(store, vectors, lambda: emb)
    assert search.vector_ranking("boat pier", 10) == []              # Chroma alone: no passage near "boat"
    hits = search.search("boat pier", k=5)
    assert hits[0].chunk_id == ids[0] and hits[0].score == pytest.approx(2 / 61)   # first in both rankings again
    assert hits[1].chunk_id == ids[1] and hits[1].score == pytest.approx(1 / 62)   # keyword only: unrelated in meaning
    db.close()


def test_few_passages_rank_exactly_from_sqlite_without_opening_chroma(tmp_path):
    db = Database(tmp_path / "db.sqlite3")
    store = DocumentStore(db)
    vectors = VectorIndex(tmp_path / "vectors")
    emb = AxisEmbedder()
    drafts = [ChunkDraft("an oak tree", "t.txt", {}), ChunkDraft("the sailing boat leaves from the pier", "m.eml", {}),
              ChunkDraft("lighthouse tour on the pier", "r.docx", {})]
    _, rows, _, _ = store.save(path="/m", name="m", fmt="text", content_hash="h", size=1, mtime=0, meta={},
                               chunks=drafts)
    ids = [r[0] for r in rows]
    vecs = emb.embed([d.text for d in drafts])
    store.mark_embedded(ids, vecs)
    search = HybridSearch(store, vectors, lambda: emb)
    hits = search.vector_hits("boat pier", 10)
    q = emb.embed(["boat pier"])[0]
    exact = sorted(((i, float(v @ q)) for i, v in zip(ids, vecs.astype(np.float16).astype(np.float32))),
                   key=lambda h: -h[1])
    assert [i for i, _ in hits] == [i for i, s in exact if s >= search_module.MIN_SIMILARITY] and hits
    assert hits[0][0] == ids[1]
    assert vectors._client is None  # Chroma was never opened (nor imported for this)
    db.close()
