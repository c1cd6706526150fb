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

A collection that outgrows ``shard_max`` vectors goes on in shards (``core.store.vector_shards``).
In the data folder, when a shard is full the client is closed before the next call (when no call
is in flight), so Chroma frees the indexes it loaded: an import holds one shard's index in
memory, not the whole collection's. Queries ask every shard and merge the hits.
"""
from __future__ import annotations

import functools
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import numpy as np

from core.errors import EmbedderError
from core.store.vector_backend import VectorLocation, close_client, open_client, server_error
from core.store.vector_shards import FIRST_ID, SHARD_MAX, ShardTable, int_id, merge_hits, parse, shard_name

F = TypeVar("F", bound=Callable[..., Any])

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

log = logging.getLogger(__name__)
WRITE_STEP = 4000  # vectors per Chroma call

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


class _Remade(Exception):
    """An empty collection made for another width was dropped: write again from the start."""


def _guarded(method: F) -> F:
    """Count the call as in flight, and turn a server that stopped answering (or refuses the token)
    into a clear ``StorageError``."""
    @functools.wraps(method)
    def call(self: VectorIndex, *args: Any, **kwargs: Any) -> Any:
        self._enter()
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            clear = server_error(self.location, exc)
            if clear is None:
                raise
            self._forget_client()  # the next call connects again (the server may be back)
            raise clear from exc
        finally:
            self._leave()
    return call  # type: ignore[return-value]


class VectorIndex:
    """Named collections of vectors in one Chroma: a ``PersistentClient`` folder or a server."""

    def __init__(self, path: Path | str | None = None, location: VectorLocation | None = None,
                 shard_max: int = SHARD_MAX) -> None:
        if location is None:
            if path is None:
                raise ValueError("VectorIndex needs a folder or a location")
            location = VectorLocation.embedded(Path(path))
        self.location = location
        self.shard_max = shard_max
        self._client: Any = None
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0                             # calls in flight
        self._recycle_due = False                  # close the client before the next call (frees full shards)
        self._collections: dict[str, Any] = {}     # by shard name
        self._tables: dict[str, ShardTable] = {}   # by collection name
        self._filled: dict[str, int] = {}          # vectors in a collection's last shard, at most
        self._newest: dict[str, int] = {}          # the newest id in a full last shard

    @property
    def path(self) -> Path:
        return self.location.path

    def switch(self, location: VectorLocation) -> None:
        """Use the collections at ``location`` from now on (``storage.vectors`` changed)."""
        with self._lock:
            self.location = location
            self._drop_state()

    def _forget_client(self) -> None:
        with self._lock:
            self._drop_state()

    def _drop_state(self) -> None:
        self._client = None
        self._collections.clear()
        self._tables.clear()
        self._filled.clear()
        self._newest.clear()

    def _enter(self) -> None:
        with self._idle:
            if self._recycle_due and self._busy == 0:
                self._recycle_due = False
                client = self._client
                self._drop_state()
                if client is not None:
                    close_client(client)
            self._busy += 1

    def _leave(self) -> None:
        with self._idle:
            self._busy -= 1

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = open_client(self.location)
            return self._client

    def _full(self, name: str) -> str:
        return self.location.prefix + name

    def _shard(self, name: str, k: int, first: int | None = None) -> Any:
        key = shard_name(name, k)
        col = self._collections.get(key)
        if col is None:
            meta: dict[str, Any] = {"hnsw:space": "cosine"}
            if first is not None:
                meta[FIRST_ID] = first
            col = self.client.get_or_create_collection(name=self._full(key), embedding_function=None, metadata=meta)
            self._collections[key] = col
        return col

    def _listing(self) -> list[tuple[str, dict[str, Any] | None]]:
        """(name without the server's folder prefix, metadata) of this data folder's collections here."""
        prefix = self.location.prefix
        out = []
        for col in self.client.list_collections():
            full = col if isinstance(col, str) else col.name
            if full.startswith(prefix):
                out.append((full[len(prefix):], None if isinstance(col, str) else col.metadata))
        return out

    def _table(self, name: str) -> ShardTable:
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = ShardTable.of(name, self._listing())
        return table

    @_guarded
    def collection(self, name: str) -> Any:
        """The Chroma collection ``name`` (its first shard, where it has several)."""
        return self._shard(name, 0)

    @_guarded
    def shards(self, name: str) -> list[str]:
        """The Chroma collections (without the server's folder prefix) that hold collection ``name``."""
        return [shard_name(name, k) for k in self._table(name).shards]

    @_guarded
    def names(self) -> list[str]:
        """The collections of this data folder here (without the server's folder prefix, shards as one), sorted."""
        return sorted({parse(full)[0] for full, _ in self._listing()})

    def read(self, name: str, batch: int = 2000) -> Iterator[tuple[list[str], np.ndarray, list[dict[str, Any]]]]:
        """Every (ids, vectors, metadatas) of collection ``name``, ``batch`` at a time (a copy elsewhere)."""
        for k in self._shard_list(name):
            offset = 0
            while True:
                ids, emb, metas = self._page(name, k, offset, batch)
                if not ids:
                    break
                yield ids, emb, metas
                offset += len(ids)

    @_guarded
    def _shard_list(self, name: str) -> list[int]:
        return self._table(name).shards

    @_guarded
    def _page(self, name: str, k: int, offset: int, n: int) -> tuple[list[str], np.ndarray, list[dict[str, Any]]]:
        got = self._shard(name, k).get(limit=n, offset=offset, include=["embeddings", "metadatas"])
        ids = list(got["ids"])
        emb = np.asarray(got["embeddings"], dtype=np.float32) if ids else np.zeros((0, 0), np.float32)
        metas = [dict(m or {"_": 0}) for m in (got.get("metadatas") or [None] * len(ids))]
        return ids, emb, metas

    # ---- writing -----------------------------------------------------------------------------
    @_guarded
    def upsert(self, name: str, ids: Sequence[str | int], embeddings: np.ndarray,
               metadatas: Sequence[dict[str, Any]] | None = None) -> None:
        if len(ids) == 0:
            return
        keys = [str(i) for i in ids]
        emb = np.asarray(embeddings, dtype=np.float32)
        metas = [m or {"_": 0} for m in metadatas] if metadatas is not None else None
        try:
            self._upsert(name, keys, emb, metas)
        except _Remade:
            self._upsert(name, keys, emb, metas)

    def _upsert(self, name: str, keys: list[str], emb: np.ndarray, metas: list[dict[str, Any]] | None) -> None:
        table = self._table(name)
        self._roll(name, table, keys)
        for k, pos in table.route(keys).items():
            self._write(name, k, [keys[i] for i in pos], emb[pos], [metas[i] for i in pos] if metas else None)
            if k == table.last:
                self._filled[name] = self._filled.get(name, 0) + len(pos)
                if name in self._newest:
                    written = (int_id(keys[i]) for i in pos)
                    self._newest[name] = max([self._newest[name], *(n for n in written if n is not None)])

    def _roll(self, name: str, table: ShardTable, keys: Sequence[str]) -> None:
        """Start the next shard when the last one is full and ``keys`` has ids newer than all it holds."""
        if name not in self._filled:
            self._filled[name] = self._shard(name, table.last).count()
        if self._filled[name] < self.shard_max:
            return
        top = max((n for n in map(int_id, keys) if n is not None), default=None)
        if top is None:
            return
        if name not in self._newest:  # once: how full it really is (upserts of stored ids were counted), its newest id
            last = self._shard(name, table.last)
            self._filled[name] = last.count()
            if self._filled[name] < self.shard_max:
                return
            self._newest[name] = max((n for n in map(int_id, last.get(include=[])["ids"]) if n is not None), default=-1)
        first = max(self._newest[name] + 1, table.firsts[-1] + 1 if table.firsts else 0)
        if top < first:
            return  # nothing newer than what the last shard holds: it takes these too (the bound is soft)
        col = self._shard(name, table.last + 1, first)
        table.firsts.append(int((col.metadata or {}).get(FIRST_ID, first)))
        self._filled[name], self._newest[name] = 0, table.firsts[-1] - 1
        if not self.location.is_server:
            self._recycle_due = True  # the full shards' indexes leave memory before the next call
        log.info("vector collection %s goes on in shard %d from id %d", name, table.last, table.firsts[-1])

    def _write(self, name: str, k: int, keys: list[str], emb: np.ndarray, metas: list[dict[str, Any]] | None) -> None:
        col = self._shard(name, k)
        for start in range(0, len(keys), WRITE_STEP):
            part: dict[str, Any] = {"ids": keys[start:start + WRITE_STEP],
                                    "embeddings": emb[start:start + WRITE_STEP].tolist()}
            if metas is not None:
                part["metadatas"] = metas[start:start + WRITE_STEP]
            try:
                col.upsert(**part)
            except Exception as exc:
                widths = _width_error(exc)
                if widths is None:
                    raise
                if self.count(name) != 0:
                    raise width_mismatch(name, *widths) from exc
                self.drop(name)  # empty, but made for another width: make it again
                raise _Remade() from exc

    @_guarded
    def delete(self, name: str, ids: Iterable[str | int]) -> None:
        keys = [str(i) for i in ids]
        if not keys:
            return
        for k, pos in self._table(name).route(keys).items():
            self._shard(name, k).delete(ids=[keys[i] for i in pos])

    # ---- reading -----------------------------------------------------------------------------
    @_guarded
    def query(self, name: str, embedding: np.ndarray, n: int,
              where: dict[str, Any] | None = None) -> list[VectorHit]:
        if n <= 0:
            return []
        q = [np.asarray(embedding, dtype=np.float32).tolist()]
        per_shard = []
        for k in self._table(name).shards:
            col = self._shard(name, k)
            # no count() first: Chroma returns fewer than n when it holds fewer (one round trip less on a server)
            try:
                res = col.query(query_embeddings=q, n_results=n, where=where, include=["distances", "metadatas"])
            except Exception as exc:
                widths = _width_error(exc)
                if widths is None:
                    raise
                if col.count() == 0:
                    continue  # emptied, but made for another width: nothing to find
                raise width_mismatch(name, *widths) from exc
            ids = res["ids"][0]
            dists = res["distances"][0]
            metas = (res.get("metadatas") or [[{}] * len(ids)])[0]
            per_shard.append([VectorHit(i, float(d), dict(m or {})) for i, d, m in zip(ids, dists, metas)])
        return per_shard[0] if len(per_shard) == 1 else merge_hits(per_shard, n)

    @_guarded
    def count(self, name: str) -> int:
        return sum(self._shard(name, k).count() for k in self._table(name).shards)

    @_guarded
    def width(self, name: str) -> int | None:
        """The width of the vectors collection ``name`` holds (None when it holds none)."""
        for k in self._table(name).shards:
            got = self._shard(name, k).get(limit=1, include=["embeddings"])
            emb = got.get("embeddings")
            if emb is not None and len(emb):
                return int(len(emb[0]))
        return None

    @_guarded
    def vectors(self, name: str, ids: Sequence[str | int]) -> dict[str, np.ndarray]:
        """The stored vectors of ``ids`` (those the collection has), by id."""
        out: dict[str, np.ndarray] = {}
        keys = [str(i) for i in ids]
        for k, pos in self._table(name).route(keys).items():
            col = self._shard(name, k)
            mine = [keys[i] for i in pos]
            for start in range(0, len(mine), 2000):
                got = col.get(ids=mine[start:start + 2000], include=["embeddings"])
                for i, e in zip(got["ids"], got["embeddings"]):
                    out[i] = np.asarray(e, dtype=np.float32)
        return out

    @_guarded
    def ids(self, name: str) -> set[str]:
        out: set[str] = set()
        for k in self._table(name).shards:
            out.update(self._shard(name, k).get(include=[])["ids"])
        return out

    # ---- dropping and rebuilding -------------------------------------------------------------
    def drop(self, name: str) -> None:
        """Remove collection ``name`` (every shard of it); one that is not there is fine."""
        self._enter()
        try:
            client = self.client  # a server that is down says so
            shards = {shard_name(name, 0)} | {full for full, _ in self._listing_or_none() if parse(full)[0] == name}
            for key in sorted(shards, key=lambda full: -parse(full)[1]):
                try:
                    client.delete_collection(self._full(key))
                except Exception as exc:
                    clear = server_error(self.location, exc)
                    if clear is not None:
                        raise clear from exc
                self._collections.pop(key, None)
            self._tables.pop(name, None)
            self._filled.pop(name, None)
            self._newest.pop(name, None)
        finally:
            self._leave()

    def _listing_or_none(self) -> list[tuple[str, dict[str, Any] | None]]:
        try:
            return self._listing()
        except Exception as exc:
            clear = server_error(self.location, exc)
            if clear is not None:
                raise clear from exc
            return []  # the base collection is still dropped

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
