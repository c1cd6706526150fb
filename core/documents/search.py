"""Hybrid passage search: Chroma nearest neighbours + SQLite FTS5 (BM25), fused by reciprocal rank.

Both rankings are cut at ``max(2k, 40)``; ids Chroma returns that SQLite no longer has
(a document forgotten while Chroma was unreachable) are dropped, so SQLite stays the truth.
Keyword hits that Chroma did not return are scored exactly from their stored vectors and
join the meaning ranking: Chroma's HNSW index can leave a live record unreachable by query
after deletes and upserts (chroma-core/chroma#7758, our chromadb 1.5.9), which made a
passage matching every query word drop out of the meaning side of the fusion.

Up to ``EXACT_SEARCH_MAX`` passages, the meaning side is exact cosine over the vectors SQLite
keeps (a few milliseconds at that size) instead of a Chroma query: a quick command then never
loads Chroma (about a second of imports), and nothing is approximate. Above it, Chroma's index.

The query is embedded on one CPU thread (``core.store.embedding.embed_query``): a query is
a few tokens, and splitting it over threads made the median 6x slower on a loaded 2-core
machine (25 ms vs 145 ms). A query of another embedder than the one that made the stored
vectors fails with an ``EmbedderError`` (run ``mnemo reembed``); it is not hidden behind
keyword-only results.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from core.documents.model import PassageHit
from core.documents.store import COLLECTION, DocumentStore
from core.errors import EmbedderError
from core.ports import TextEmbedder
from core.search.fusion import STOPWORDS, rrf
from core.store.embedding import embed_query

__all__ = ["COLLECTION", "HybridSearch", "budget_terms", "embed_query", "index_terms"]

log = logging.getLogger(__name__)

EXACT_SEARCH_MAX = 5000  # passages up to which the meaning ranking is exact, from SQLite's vectors

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# Keyword search reads at most about this many postings: rare terms first, common ones only
# while they fit. A term in most chunks costs the most and tells the least (BM25 gives it
# almost no weight), and ranking every chunk that has it made FTS5 the slowest step.
POSTINGS_BUDGET = 6000
MIN_SIMILARITY = 0.15  # all-MiniLM-L6-v2 puts unrelated texts around 0.0-0.15, related ones above 0.25


def index_terms(text: str, max_terms: int = 24) -> list[str]:
    """Query words as FTS5's unicode61 tokenizer (remove_diacritics 2) indexes them, stopwords dropped."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    terms: list[str] = []
    for t in _TOKEN.findall(folded):
        if len(t) >= 2 and t not in STOPWORDS and t not in terms:
            terms.append(t)
            if len(terms) >= max_terms:
                break
    return terms


def budget_terms(df: dict[str, int], budget: int = POSTINGS_BUDGET) -> list[str]:
    """The rarest terms whose postings fit ``budget`` (always at least the rarest one)."""
    kept: list[str] = []
    cost = 0
    for term in sorted((t for t in df if df[t] > 0), key=lambda t: (df[t], t)):
        if kept and cost + df[term] > budget:
            break
        kept.append(term)
        cost += df[term]
    return kept


class HybridSearch:
    def __init__(self, store: DocumentStore, vectors: Any, embedder: Callable[[], TextEmbedder],
                 rrf_k: Callable[[], int] = lambda: 60) -> None:
        self.store = store
        self.vectors = vectors
        self._embedder = embedder
        self._rrf_k = rrf_k
        self._cache: OrderedDict[tuple[int, str], np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._pool: Any = None

    def _query_vector(self, query: str) -> np.ndarray:
        embedder = self._embedder()
        key = (id(embedder), query)
        with self._cache_lock:
            vec = self._cache.get(key)
        if vec is None:
            vec = embed_query(embedder, query)
            with self._cache_lock:
                self._cache[key] = vec
                while len(self._cache) > 256:
                    self._cache.popitem(last=False)
        return vec

    def vector_ranking(self, query: str, n: int) -> list[int]:
        return [cid for cid, _ in self.vector_hits(query, n)]

    def vector_hits(self, query: str, n: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) from Chroma, best first."""
        if not self.store.has_chunks():  # nothing imported: do not load the embedder for nothing
            return []
        emb = self._query_vector(query)
        self.store.check_space(self._embedder().name, int(emb.shape[-1]), writing=False)
        exact = self.store.all_vectors(EXACT_SEARCH_MAX)
        if exact is not None and exact[1].shape[-1] == emb.shape[-1]:
            ids, matrix = exact
            sims = matrix @ np.asarray(emb, dtype=np.float32) / np.maximum(
                np.linalg.norm(matrix, axis=1) * float(np.linalg.norm(emb)), 1e-12)
            order = np.argsort(-sims, kind="stable")[:n]
            return [(ids[i], float(sims[i])) for i in order if sims[i] >= MIN_SIMILARITY]
        # Cosine distance; a passage unrelated in meaning (similarity < MIN_SIMILARITY) is no hit.
        return [(int(h.id), 1.0 - float(h.distance)) for h in self.vectors.query(COLLECTION, emb, n)
                if 1.0 - h.distance >= MIN_SIMILARITY]

    def rescore(self, query: str, chunk_ids: list[int]) -> list[tuple[int, float]]:
        """Exact cosine similarity of ``chunk_ids`` (from their stored vectors) above MIN_SIMILARITY."""
        blobs = self.store.vectors_of(chunk_ids)
        if not blobs:
            return []
        q = np.asarray(self._query_vector(query), dtype=np.float32)
        ids = list(blobs)
        V = np.stack([np.frombuffer(blobs[i], dtype=np.float16).astype(np.float32) for i in ids])
        sims = V @ q / np.maximum(np.linalg.norm(V, axis=1) * np.linalg.norm(q), 1e-12)
        return [(cid, float(s)) for cid, s in zip(ids, sims) if s >= MIN_SIMILARITY]

    def keyword_ranking(self, query: str, n: int) -> list[int]:
        terms = budget_terms(self.store.term_doc_counts(index_terms(query)))
        return self.store.fts(" OR ".join(f'"{t}"' for t in terms), n) if terms else []

    def search(self, query: str, k: int = 20) -> list[PassageHit]:
        query = query.strip()
        if not query or k <= 0:
            return []
        n = max(2 * k, 40)
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(1, thread_name_prefix="mnemo-fts")
        # FTS5 runs beside the query embedding (both release the GIL): latency ~ max, not sum.
        keyword = self._pool.submit(self.keyword_ranking, query, n)
        try:
            scored: list[tuple[int, float]] | None = self.vector_hits(query, n)
        except EmbedderError:  # vectors of another embedder: say so (run 'mnemo reembed'), never rank nonsense
            raise
        except Exception:  # the vector side failing otherwise must not hide the keyword hits
            log.exception("vector search failed; keyword results only")
            scored = None
        words = keyword.result()
        if scored is not None:
            found = {cid for cid, _ in scored}
            scored += self.rescore(query, [cid for cid in words if cid not in found])
        dense = [cid for cid, _ in sorted(scored or [], key=lambda p: -p[1])][:n]
        fused = rrf([dense, words], k=self._rrf_k())
        ids = [int(i) for i, _ in fused[: 2 * k]]
        rows = self.store.rows(ids)
        hits: list[PassageHit] = []
        for cid, score in fused:
            row = rows.get(int(cid))
            if row is None:
                continue
            doc_id, text, source, meta_json, path, fmt, status = row
            meta = json.loads(meta_json or "{}")
            meta.update({"path": path, "format": fmt})
            if status != "ok":
                meta["document_status"] = status
            hits.append(PassageHit(int(cid), doc_id, text, source, float(score), meta))
            if len(hits) >= k:
                break
        return hits
