"""The Chroma vector index: vectors only, keyed by SQLite ids, rebuildable from SQLite.

Embeddings are always passed explicitly (Chroma's default embedding function would
download a model) and Chroma's telemetry is off. A collection has a fixed width once it
holds a vector (even after every vector is deleted): an empty one of another width is
dropped and made again; vectors of another width than a collection that holds some fail
with an ``EmbedderError`` that says to re-embed (``mnemo reembed``).
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from core.errors import EmbedderError, StorageError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

_WIDTH = re.compile(r"expecting embedding with dimension of (\d+), got (\d+)")


def _width_error(exc: Exception) -> tuple[int, int] | None:
    """(collection width, given width) when ``exc`` is Chroma refusing vectors of another width."""
    m = _WIDTH.search(str(exc))
    return (int(m.group(1)), int(m.group(2))) if m else None


def width_mismatch(name: str, expected: int, got: int) -> EmbedderError:
    return EmbedderError(
        f"The vector index '{name}' holds {expected}-wide vectors but was given {got}-wide ones: "
        "the embedder changed since they were made.",
        "Run 'mnemo reembed' to embed the stored texts again with the embedder now set "
        "(or set model.embedder_path back).")


@dataclass(frozen=True)
class VectorHit:
    id: str
    distance: float
    metadata: dict[str, Any]


class VectorIndex:
    """Named collections of vectors in one Chroma ``PersistentClient`` folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._client: Any = None
        self._lock = threading.Lock()
        self._collections: dict[str, Any] = {}

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                try:
                    import chromadb
                    from chromadb.config import Settings as ChromaSettings

                    self.path.mkdir(parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(
                        path=str(self.path),
                        settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True))
                except Exception as exc:
                    raise StorageError(
                        f"The vector index in {self.path} could not be opened ({exc}).",
                        "Run 'mnemo recover --vectors' to set it aside and rebuild it from the database.") from exc
            return self._client

    def collection(self, name: str) -> Any:
        if name not in self._collections:
            self._collections[name] = self.client.get_or_create_collection(
                name=name, embedding_function=None, metadata={"hnsw:space": "cosine"})
        return self._collections[name]

    def upsert(self, name: str, ids: Sequence[str | int], embeddings: np.ndarray,
               metadatas: Sequence[dict[str, Any]] | None = None) -> None:
        if len(ids) == 0:
            return
        col = self.collection(name)
        emb = np.asarray(embeddings, dtype=np.float32)
        kwargs: dict[str, Any] = {"ids": [str(i) for i in ids], "embeddings": emb.tolist()}
        if metadatas is not None:
            kwargs["metadatas"] = [m or {"_": 0} for m in metadatas]
        step = 4000
        for start in range(0, len(kwargs["ids"]), step):
            part = {k: v[start:start + step] for k, v in kwargs.items()}
            try:
                col.upsert(**part)
            except Exception as exc:
                widths = _width_error(exc)
                if widths is None:
                    raise
                if col.count() != 0:
                    raise width_mismatch(name, *widths) from exc
                self.drop(name)  # empty, but made for another width: make it again
                col = self.collection(name)
                col.upsert(**part)

    def delete(self, name: str, ids: Iterable[str | int]) -> None:
        ids = [str(i) for i in ids]
        if ids:
            self.collection(name).delete(ids=ids)

    def query(self, name: str, embedding: np.ndarray, n: int,
              where: dict[str, Any] | None = None) -> list[VectorHit]:
        col = self.collection(name)
        count = col.count()
        if count == 0 or n <= 0:
            return []
        try:
            res = col.query(query_embeddings=[np.asarray(embedding, dtype=np.float32).tolist()],
                            n_results=min(n, count), where=where, include=["distances", "metadatas"])
        except Exception as exc:
            widths = _width_error(exc)
            if widths is None:
                raise
            raise width_mismatch(name, *widths) from exc
        ids = res["ids"][0]
        dists = res["distances"][0]
        metas = (res.get("metadatas") or [[{}] * len(ids)])[0]
        return [VectorHit(i, float(d), dict(m or {})) for i, d, m in zip(ids, dists, metas)]

    def count(self, name: str) -> int:
        return self.collection(name).count()

    def width(self, name: str) -> int | None:
        """The width of the vectors collection ``name`` holds (None when it holds none)."""
        got = self.collection(name).get(limit=1, include=["embeddings"])
        emb = got.get("embeddings")
        return int(len(emb[0])) if emb is not None and len(emb) else None

    def vectors(self, name: str, ids: Sequence[str | int]) -> dict[str, np.ndarray]:
        """The stored vectors of ``ids`` (those the collection has), by id."""
        col = self.collection(name)
        out: dict[str, np.ndarray] = {}
        keys = [str(i) for i in ids]
        for start in range(0, len(keys), 2000):
            got = col.get(ids=keys[start:start + 2000], include=["embeddings"])
            for i, e in zip(got["ids"], got["embeddings"]):
                out[i] = np.asarray(e, dtype=np.float32)
        return out

    def ids(self, name: str) -> set[str]:
        return set(self.collection(name).get(include=[])["ids"])

    def drop(self, name: str) -> None:
        try:
            self.client.delete_collection(name)
        except Exception:
            pass
        self._collections.pop(name, None)

    def rebuild(self, name: str, rows: Iterable[tuple[str | int, np.ndarray, dict[str, Any] | None]]) -> int:
        """Replace collection ``name`` with ``rows`` (id, vector, metadata) read from SQLite."""
        self.drop(name)
        ids: list[str] = []
        vecs: list[np.ndarray] = []
        metas: list[dict[str, Any]] = []
        total = 0
        for rid, vec, meta in rows:
            ids.append(str(rid))
            vecs.append(np.asarray(vec, dtype=np.float32))
            metas.append(meta or {"_": 0})
            if len(ids) >= 2000:
                self.upsert(name, ids, np.stack(vecs), metas)
                total += len(ids)
                ids, vecs, metas = [], [], []
        if ids:
            self.upsert(name, ids, np.stack(vecs), metas)
            total += len(ids)
        return total
