"""The Chroma vector index: vectors only, keyed by SQLite ids, rebuildable from SQLite.

It lives where a ``VectorLocation`` says (``core.store.vector_backend``): Chroma files in
the data folder (``VectorIndex(path)``), or a Chroma server, where this data folder's
collections carry its id in their names. ``switch`` points the same index elsewhere (the
services holding it follow). On a server, a connection that fails or is refused is a
``StorageError`` that says what to do; nothing in SQLite depends on it.

Embeddings are always passed explicitly (Chroma's default embedding function would
download a model) and Chroma's telemetry is off. A collection has a fixed width once it
holds a vector (even after every vector is deleted): an empty one of another width is
dropped and made again; vectors of another width than a collection that holds some fail
with an ``EmbedderError`` that says to re-embed (``mnemo reembed``).
"""
from __future__ import annotations

import functools
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import numpy as np

from core.errors import EmbedderError
from core.store.vector_backend import VectorLocation, open_client, server_error

F = TypeVar("F", bound=Callable[..., Any])

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


def _guarded(method: F) -> F:
    """Turn a server that stopped answering (or refuses the token) into a clear ``StorageError``."""
    @functools.wraps(method)
    def call(self: VectorIndex, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            clear = server_error(self.location, exc)
            if clear is None:
                raise
            self._forget_client()  # the next call connects again (the server may be back)
            raise clear from exc
    return call  # type: ignore[return-value]


class VectorIndex:
    """Named collections of vectors in one Chroma: a ``PersistentClient`` folder or a server."""

    def __init__(self, path: Path | str | None = None, location: VectorLocation | None = None) -> None:
        if location is None:
            if path is None:
                raise ValueError("VectorIndex needs a folder or a location")
            location = VectorLocation.embedded(Path(path))
        self.location = location
        self._client: Any = None
        self._lock = threading.Lock()
        self._collections: dict[str, Any] = {}

    @property
    def path(self) -> Path:
        return self.location.path

    def switch(self, location: VectorLocation) -> None:
        """Use the collections at ``location`` from now on (``storage.vectors`` changed)."""
        with self._lock:
            self.location = location
            self._client = None
            self._collections.clear()

    def _forget_client(self) -> None:
        with self._lock:
            self._client = None
            self._collections.clear()

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = open_client(self.location)
            return self._client

    def _full(self, name: str) -> str:
        return self.location.prefix + name

    @_guarded
    def collection(self, name: str) -> Any:
        if name not in self._collections:
            self._collections[name] = self.client.get_or_create_collection(
                name=self._full(name), embedding_function=None, metadata={"hnsw:space": "cosine"})
        return self._collections[name]

    @_guarded
    def names(self) -> list[str]:
        """The collections of this data folder here (without the server's folder prefix), sorted."""
        prefix = self.location.prefix
        out = []
        for col in self.client.list_collections():
            full = col if isinstance(col, str) else col.name
            if full.startswith(prefix):
                out.append(full[len(prefix):])
        return sorted(out)

    def read(self, name: str, batch: int = 2000) -> Iterator[tuple[list[str], np.ndarray, list[dict[str, Any]]]]:
        """Every (ids, vectors, metadatas) of collection ``name``, ``batch`` at a time (a copy elsewhere)."""
        offset = 0
        while True:
            ids, emb, metas = self._page(name, offset, batch)
            if not ids:
                return
            yield ids, emb, metas
            offset += len(ids)

    @_guarded
    def _page(self, name: str, offset: int, n: int) -> tuple[list[str], np.ndarray, list[dict[str, Any]]]:
        got = self.collection(name).get(limit=n, offset=offset, include=["embeddings", "metadatas"])
        ids = list(got["ids"])
        emb = np.asarray(got["embeddings"], dtype=np.float32) if ids else np.zeros((0, 0), np.float32)
        metas = [dict(m or {"_": 0}) for m in (got.get("metadatas") or [None] * len(ids))]
        return ids, emb, metas

    @_guarded
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

    @_guarded
    def delete(self, name: str, ids: Iterable[str | int]) -> None:
        ids = [str(i) for i in ids]
        if ids:
            self.collection(name).delete(ids=ids)

    @_guarded
    def query(self, name: str, embedding: np.ndarray, n: int,
              where: dict[str, Any] | None = None) -> list[VectorHit]:
        if n <= 0:
            return []
        col = self.collection(name)
        # no count() first: Chroma returns fewer than n when it holds fewer (one round trip less on a server)
        try:
            res = col.query(query_embeddings=[np.asarray(embedding, dtype=np.float32).tolist()],
                            n_results=n, where=where, include=["distances", "metadatas"])
        except Exception as exc:
            widths = _width_error(exc)
            if widths is None:
                raise
            if col.count() == 0:
                return []  # emptied, but made for another width: nothing to find
            raise width_mismatch(name, *widths) from exc
        ids = res["ids"][0]
        dists = res["distances"][0]
        metas = (res.get("metadatas") or [[{}] * len(ids)])[0]
        return [VectorHit(i, float(d), dict(m or {})) for i, d, m in zip(ids, dists, metas)]

    @_guarded
    def count(self, name: str) -> int:
        return self.collection(name).count()

    @_guarded
    def width(self, name: str) -> int | None:
        """The width of the vectors collection ``name`` holds (None when it holds none)."""
        got = self.collection(name).get(limit=1, include=["embeddings"])
        emb = got.get("embeddings")
        return int(len(emb[0])) if emb is not None and len(emb) else None

    @_guarded
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

    @_guarded
    def ids(self, name: str) -> set[str]:
        return set(self.collection(name).get(include=[])["ids"])

    def drop(self, name: str) -> None:
        client = self.client  # a server that is down says so; a collection that is not there is fine
        try:
            client.delete_collection(self._full(name))
        except Exception as exc:
            clear = server_error(self.location, exc)
            if clear is not None:
                raise clear from exc
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
