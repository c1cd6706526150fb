"""SQL for documents and chunks: raw SQL for speed; a document's chunks are written by ``writer``.

The ``chunk`` table is the source of truth for passages; ``chunk_fts`` (FTS5, kept by
triggers) indexes their text; ``vector_state`` says whether a chunk's vector reached Chroma,
so an import killed between the SQLite commit and the Chroma write is finished next time.
Vectors stored are checked against the embedder recorded for the ``chunks`` collection
(``core.store.embedding.VectorSpaces``): a batch of another width fails with an ``EmbedderError``.
"""
from __future__ import annotations

import builtins
import json
import re
from typing import Any, Iterable, Iterator, Optional, Sequence

import numpy as np

from core.documents.model import ChunkDraft, ChunkView, DocumentInfo
from core.store.db import Database, scalar
from core.store.embedding import VectorSpaces
from core.store.clock import utcnow

COLLECTION = "chunks"  # the Chroma collection of chunk vectors

PendingRow = tuple[int, int, str, Optional[bytes]]  # chunk id, document id, text, stored float16 vector
_DOC_COLS = "id, path, name, format, status, error, n_chunks, size, content_hash, meta, imported_at, updated_at"


def _now() -> str:
    return utcnow().isoformat(timespec="seconds")


# A file name that is not valid UTF-8 reaches Python as text with lone surrogates (U+DC80-U+DCFF, one
# per undecodable byte, ``os.fsdecode``) that SQLite cannot store. Each is kept as a character of
# Unicode's private use plane (U+10FE80-U+10FEFF) instead, one for one, so the path is stored
# losslessly, prefixes still compare, and reading it back gives the very name the file system has.
_SURROGATE = re.compile("[\udc80-\udcff]")
_STORED = re.compile("[\U0010fe80-\U0010feff]")
_SHIFT = 0x10FE80 - 0xDC80


def db_path(path: str) -> str:
    """``path`` as stored in SQLite (valid UTF-8 text)."""
    return _SURROGATE.sub(lambda m: chr(ord(m.group()) + _SHIFT), path) if not path.isascii() else path


def fs_path(stored: str) -> str:
    """A stored path back as the file system's name (``db_path`` reversed)."""
    return _STORED.sub(lambda m: chr(ord(m.group()) - _SHIFT), stored) if not stored.isascii() else stored


def _doc(row: Sequence[Any]) -> DocumentInfo:
    return DocumentInfo(id=row[0], path=fs_path(row[1]), name=fs_path(row[2]), format=row[3], status=row[4], error=row[5],
                        n_chunks=row[6], size=row[7], content_hash=row[8], meta=json.loads(row[9] or "{}"),
                        imported_at=row[10], updated_at=row[11])


class DocumentStore:
    """Reads and writes the ``document`` and ``chunk`` tables of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.spaces = VectorSpaces.of(db)

    # ---- the vector space ------------------------------------------------------------------
    def check_space(self, embedder: str, dim: int, writing: bool) -> None:
        """Raise an EmbedderError unless ``dim``-wide vectors of ``embedder`` ('' = unknown) belong with the chunks."""
        self.spaces.check(COLLECTION, embedder, dim, writing=writing, stored_width=self.stored_width)

    def stored_width(self) -> int | None:
        """The width of the chunk vectors stored (float16), None when none is."""
        with self.db.read() as conn:
            n = scalar(conn, "SELECT length(vector) FROM chunk WHERE vector IS NOT NULL LIMIT 1")
        return None if n is None else int(n) // 2

    # ---- documents -------------------------------------------------------------------------
    def _one(self, where: str, params: tuple) -> Optional[DocumentInfo]:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT {_DOC_COLS} FROM document WHERE {where} LIMIT 1", params).fetchone()
        return _doc(row) if row else None

    def get(self, document_id: int) -> Optional[DocumentInfo]:
        return self._one("id = ?", (document_id,))

    def by_path(self, path: str) -> Optional[DocumentInfo]:
        return self._one("path = ?", (db_path(path),))

    def by_hash(self, content_hash: str, exclude_path: str) -> Optional[DocumentInfo]:
        return self._one("content_hash = ? AND path != ? AND status NOT IN ('error', 'partial')",
                         (content_hash, db_path(exclude_path)))

    def list(self, status: str | None = None) -> list[DocumentInfo]:
        sql = f"SELECT {_DOC_COLS} FROM document" + (" WHERE status = ?" if status else "") + " ORDER BY path"
        with self.db.read() as conn:
            return [_doc(r) for r in conn.execute(sql, (status,) if status else ())]

    def paths_under(self, folder: str) -> builtins.list[DocumentInfo]:
        prefix = db_path(folder.rstrip("/\\") + "/")
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {_DOC_COLS} FROM document WHERE substr(path, 1, ?) = ?",
                                (len(prefix), prefix)).fetchall()
        return [_doc(r) for r in rows]

    def save(self, *, path: str, name: str, fmt: str, content_hash: str, size: int, mtime: float,
             meta: dict[str, Any], chunks: Sequence[ChunkDraft]) -> tuple[int, builtins.list[PendingRow], builtins.list[int], bool]:
        """Insert or replace the document at ``path`` with ``chunks`` in one transaction (``DocumentWriter``
        with one batch; an import streams through the writer itself).

        Returns (document id, new chunks as pending rows, old chunk ids now gone, whether it existed).
        A pending row is (chunk id, document id, text, stored vector or None).
        """
        from core.documents.writer import DocumentFile, DocumentWriter

        existed = self.by_path(path) is not None
        writer = DocumentWriter(self.db, DocumentFile(db_path(path), db_path(name), fmt, content_hash, size, mtime),
                                "updated" if existed else "imported", batch=len(chunks) + 1,
                                batch_chars=sum(len(c.text) for c in chunks) + 1)
        for chunk in chunks:
            writer.add(chunk)
        old_ids = writer.finish(meta)
        return int(writer.document_id or 0), self.pending_rows(writer.take_committed()), old_ids, existed

    def record_error(self, *, path: str, name: str, fmt: str, content_hash: str, size: int, mtime: float,
                     error: str) -> None:
        """Remember a file that could not be imported (only when nothing good is stored for it)."""
        now, path, name = _now(), db_path(path), db_path(name)
        with self.db.write() as conn:
            row = conn.execute("SELECT id, status FROM document WHERE path = ?", (path,)).fetchone()
            if row and row[1] != "error":
                conn.execute("UPDATE document SET error = ?, updated_at = ? WHERE id = ?",
                             (f"last import failed: {error}", now, row[0]))
            elif row:
                conn.execute("UPDATE document SET error=?, content_hash=?, size=?, mtime=?, updated_at=? "
                             "WHERE id=?", (error, content_hash, size, mtime, now, row[0]))
            else:
                conn.execute(
                    "INSERT INTO document (path, name, format, content_hash, size, mtime, status, error, n_chunks, "
                    "meta, imported_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'error', ?, 0, '{}', ?, ?)",
                    (path, name, fmt, content_hash, size, mtime, error, now, now))

    def set_status(self, document_id: int, status: str, path: str | None = None) -> None:
        with self.db.write() as conn:
            if path is not None:
                path = db_path(path)
                conn.execute("UPDATE document SET status=?, path=?, name=?, error='', updated_at=? WHERE id=?",
                             (status, path, path.replace("\\", "/").rsplit("/", 1)[-1], _now(), document_id))
            else:
                conn.execute("UPDATE document SET status=?, error='', updated_at=? WHERE id=?",
                             (status, _now(), document_id))

    def delete(self, document_id: int) -> builtins.list[int]:
        """Delete a document and its chunks in one transaction; return the chunk ids removed."""
        with self.db.write() as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM chunk WHERE document_id = ?", (document_id,))]
            conn.execute("DELETE FROM chunk WHERE document_id = ?", (document_id,))
            conn.execute("DELETE FROM document WHERE id = ?", (document_id,))
        return ids

    # ---- chunks ----------------------------------------------------------------------------
    def iter_chunks(self, document_ids: Iterable[int] | None = None, batch: int = 500) -> Iterator[ChunkView]:
        ids = list(document_ids) if document_ids is not None else None
        sql = ("SELECT c.id, c.document_id, c.text, c.source, c.meta, d.format, c.ordinal, d.path FROM chunk c "
               "JOIN document d ON d.id = c.document_id WHERE c.id > ?")
        if ids is not None:
            if not ids:
                return
            sql += f" AND c.document_id IN ({','.join('?' * len(ids))})"
        sql += " ORDER BY c.id LIMIT ?"
        last = 0
        while True:
            with self.db.read() as conn:
                rows = conn.execute(sql, (last, *(ids or ()), batch)).fetchall()
            for r in rows:
                meta = json.loads(r[4] or "{}")
                meta.setdefault("path", fs_path(r[7]))
                yield ChunkView(id=r[0], document_id=r[1], text=r[2], source=r[3], meta=meta, format=r[5], ordinal=r[6])
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def rows(self, chunk_ids: Sequence[int]) -> dict[int, tuple]:
        """chunk id -> (document_id, text, source, meta json, path, format, status) for existing chunks."""
        if not chunk_ids:
            return {}
        sql = ("SELECT c.id, c.document_id, c.text, c.source, c.meta, d.path, d.format, d.status FROM chunk c "
               f"JOIN document d ON d.id = c.document_id WHERE c.id IN ({','.join('?' * len(chunk_ids))})")
        with self.db.read() as conn:
            return {r[0]: tuple(r[1:]) for r in conn.execute(sql, tuple(chunk_ids))}

    def vectors_of(self, chunk_ids: Sequence[int]) -> dict[int, bytes]:
        """chunk id -> its stored (float16) vector, for the chunks that have one."""
        if not chunk_ids:
            return {}
        sql = f"SELECT id, vector FROM chunk WHERE vector IS NOT NULL AND id IN ({','.join('?' * len(chunk_ids))})"
        with self.db.read() as conn:
            return {int(r[0]): r[1] for r in conn.execute(sql, tuple(chunk_ids))}

    def all_vectors(self, at_most: int) -> tuple[builtins.list[int], np.ndarray] | None:
        """Every stored chunk vector, (ids, float32 [n, dim]), when there are at most ``at_most`` of one width; else None."""
        with self.db.read() as conn:
            rows = conn.execute("SELECT id, vector FROM chunk WHERE vector IS NOT NULL LIMIT ?",
                                (at_most + 1,)).fetchall()
        if len(rows) > at_most or len({len(r[1]) for r in rows}) > 1:  # many, or two widths mid-re-embed
            return None
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float16).reshape(len(rows), -1)
        return [int(r[0]) for r in rows], matrix.astype(np.float32)

    def fts(self, match: str, n: int) -> builtins.list[int]:
        if not match:
            return []
        with self.db.read() as conn:
            return [r[0] for r in conn.execute(
                "SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ? ORDER BY rank LIMIT ?", (match, n))]

    def term_doc_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks contain each of ``terms`` (index terms: lower case, no diacritics)."""
        if not terms:
            return {}
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT term, doc FROM chunk_fts_vocab WHERE term IN ({','.join('?' * len(terms))})", tuple(terms))
            return {r[0]: int(r[1]) for r in rows}

    def pending(self, limit: int) -> builtins.list[PendingRow]:
        """Chunks whose vectors are not in Chroma yet (a stored vector is reused, not recomputed)."""
        with self.db.read() as conn:
            return [tuple(r) for r in conn.execute(  # type: ignore[misc]
                "SELECT id, document_id, text, vector FROM chunk WHERE vector_state = 0 ORDER BY id LIMIT ?", (limit,))]

    def pending_rows(self, chunk_ids: Sequence[int]) -> builtins.list[PendingRow]:
        """The chunks of ``chunk_ids`` whose vectors are not in Chroma yet, as pending rows, in id order."""
        if not chunk_ids:
            return []
        sql = ("SELECT id, document_id, text, vector FROM chunk WHERE vector_state = 0 AND id IN "
               f"({','.join('?' * len(chunk_ids))}) ORDER BY id")
        with self.db.read() as conn:
            return [tuple(r) for r in conn.execute(sql, tuple(chunk_ids))]  # type: ignore[misc]

    def count_pending(self) -> int:
        with self.db.read() as conn:
            return int(scalar(conn, "SELECT count(*) FROM chunk WHERE vector_state = 0") or 0)

    def mark_embedded(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        half = np.asarray(vectors, dtype=np.float16)
        if len(ids):
            self.check_space("", int(half.shape[1]), writing=True)
        with self.db.write() as conn:
            conn.executemany("UPDATE chunk SET vector_state = 1, vector = ? WHERE id = ?",
                             [(half[i].tobytes(), cid) for i, cid in enumerate(ids)])

    def mark_all_pending(self) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE chunk SET vector_state = 0")

    def stored_vectors(self, batch: int = 2000) -> Iterator[tuple[int, int, Optional[bytes]]]:
        last = 0
        while True:
            with self.db.read() as conn:
                rows = conn.execute("SELECT id, document_id, vector FROM chunk WHERE id > ? ORDER BY id LIMIT ?",
                                    (last, batch)).fetchall()
            yield from ((r[0], r[1], r[2]) for r in rows)
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def has_chunks(self) -> bool:
        with self.db.read() as conn:
            return conn.execute("SELECT 1 FROM chunk LIMIT 1").fetchone() is not None

    def count_chunks(self) -> int:
        with self.db.read() as conn:
            return int(scalar(conn, "SELECT count(*) FROM chunk") or 0)

    def pending_by_document(self) -> dict[int, int]:
        """document id -> how many of its chunks wait for their vectors (documents with none left out)."""
        with self.db.read() as conn:
            return {int(r[0]): int(r[1]) for r in conn.execute(
                "SELECT document_id, count(*) FROM chunk WHERE vector_state = 0 GROUP BY document_id")}
