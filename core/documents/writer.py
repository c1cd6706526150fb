"""DocumentWriter: one document's chunks saved to SQLite from an iterator, in bounded batches.

A document that fits in one batch is written in one transaction (document row and chunks), as it
always was. A bigger one (a mailbox of several GB) is written batch by batch, each batch its own
transaction: the document row has status 'partial' and a checkpoint in its metadata (where reading
continues, how many chunks are stored up to there, its metadata there) until the last batch sets it
to 'ok'. A run killed or cancelled in between leaves a partial document that the next run continues
from its checkpoint (chunks stored after it are dropped and made again), so nothing is stored twice.

An updated document keeps its old chunks (their ordinals made negative) until the new version is
whole: a new chunk with the same text takes the old one's stored vector instead of being embedded
again, and the old chunks go in the last transaction.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional

from core.documents.model import ChunkDraft, Mark
from core.store.db import Database
from core.store.clock import utcnow

PARTIAL = "partial"          # the status of a document whose import has not finished
RESUME = "resume"            # the key of its checkpoint in its metadata
SAVE_BATCH = 256             # chunks per transaction, at most
SAVE_CHARS = 500_000         # characters of chunk text per transaction, at most


def _now() -> str:
    return utcnow().isoformat(timespec="seconds")


def _key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class DocumentFile:
    """The document row's fields (``path`` and ``name`` as stored: ``store.db_path``)."""

    path: str
    name: str
    fmt: str
    content_hash: str
    size: int
    mtime: float


@dataclass(frozen=True)
class Checkpoint:
    """Where an unfinished import continues: reading from ``mark`` (None: the start), chunks from
    ordinal ``ordinal``, with the document's metadata as it was there; ``event`` is what the finished
    import announces ('imported' or 'updated')."""

    mark: Optional[Mark]
    ordinal: int
    event: str
    meta: dict[str, Any] = field(default_factory=dict)

    def as_meta(self) -> dict[str, Any]:
        """The metadata a partial document is stored with."""
        mark = [self.mark.offset, self.mark.index] if self.mark is not None else None
        return {**self.meta, RESUME: {"mark": mark, "ordinal": self.ordinal, "event": self.event}}

    @classmethod
    def of(cls, meta: dict[str, Any]) -> Optional["Checkpoint"]:
        """The checkpoint a partial document's metadata holds (None when it holds none)."""
        saved = meta.get(RESUME)
        if not isinstance(saved, dict):
            return None
        mark = saved.get("mark")
        return cls(Mark(int(mark[0]), int(mark[1])) if mark else None, int(saved.get("ordinal", 0)),
                   str(saved.get("event", "imported")), {k: v for k, v in meta.items() if k != RESUME})


class DocumentWriter:
    """Stores the chunks of one document as they come (``add``), a batch per transaction, then ``finish``.

    ``resume`` continues an unfinished import of the same content from its checkpoint; ``mask`` is
    applied to the document's metadata before it is stored (sensitive values). Chunk ids
    committed and not yet handed out are taken with ``take_committed`` (to embed them), chunk ids
    removed (whose vectors must go) with ``take_dropped``."""

    def __init__(self, db: Database, file: DocumentFile, event: str, resume: Optional[Checkpoint] = None,
                 batch: int = SAVE_BATCH, batch_chars: int = SAVE_CHARS,
                 mask: Callable[[dict[str, Any]], dict[str, Any]] = dict) -> None:
        self.db, self.file, self.batch, self.batch_chars, self.mask = db, file, batch, batch_chars, mask
        self.resume = resume
        self.checkpoint = resume or Checkpoint(None, 0, event)
        self.document_id: Optional[int] = None
        self.written = 0                          # chunks stored by this writer
        self._next = self.checkpoint.ordinal      # the ordinal of the next chunk added
        self._buffer: list[ChunkDraft] = []
        self._chars = 0                           # text characters in the buffer
        self._reuse: dict[int, int] = {}          # text key -> id of an old chunk with a stored vector
        self._committed: list[int] = []
        self._dropped: list[int] = []

    @property
    def total(self) -> int:
        """Chunks of the document so far (stored or buffered)."""
        return self._next

    def add(self, chunk: ChunkDraft) -> None:
        self._buffer.append(chunk)
        self._next += 1
        self._chars += len(chunk.text)
        if len(self._buffer) >= self.batch or self._chars >= self.batch_chars:
            self._commit(final=None)

    def piece_done(self, end: Optional[Mark], meta: dict[str, Any]) -> None:
        """Everything up to ``end`` has been added; the next commit records it as the checkpoint (a piece
        with no mark cannot be continued from, so the checkpoint stays where it was)."""
        if end is not None:
            self.checkpoint = Checkpoint(end, self._next, self.checkpoint.event, dict(meta))

    def finish(self, meta: dict[str, Any]) -> list[int]:
        """Store what is left and make the document whole with ``meta``; return the old chunk ids now gone."""
        return self._commit(final=meta)

    def take_committed(self) -> list[int]:
        ids, self._committed = self._committed, []
        return ids

    def take_dropped(self) -> list[int]:
        ids, self._dropped = self._dropped, []
        return ids

    # ---- transactions --------------------------------------------------------------------------
    def _commit(self, final: Optional[dict[str, Any]]) -> list[int]:
        gone: list[int] = []
        with self.db.write() as conn:
            if self.document_id is None:
                self._open(conn)
            doc_id = self.document_id
            first = self._next - len(self._buffer)
            if self._buffer:
                conn.executemany(
                    "INSERT INTO chunk (document_id, ordinal, text, source, meta, vector_state, vector) "
                    "VALUES (?, ?, ?, ?, ?, 0, (SELECT vector FROM chunk WHERE id = ? AND text = ?))",
                    [(doc_id, first + i, c.text, c.source, json.dumps(c.meta, ensure_ascii=False),
                      self._reuse.get(_key(c.text)), c.text) for i, c in enumerate(self._buffer)])
                self._committed.extend(r[0] for r in conn.execute(
                    "SELECT id FROM chunk WHERE document_id = ? AND ordinal >= ? AND ordinal < ? ORDER BY ordinal",
                    (doc_id, first, self._next)))
                self.written += len(self._buffer)
                self._buffer, self._chars = [], 0
            if final is None:
                conn.execute("UPDATE document SET n_chunks = ?, meta = ?, updated_at = ? WHERE id = ?",
                             (self._next, self._checkpoint_json(), _now(), doc_id))
            else:
                gone = [r[0] for r in conn.execute(
                    "SELECT id FROM chunk WHERE document_id = ? AND ordinal < 0", (doc_id,))]
                conn.execute("DELETE FROM chunk WHERE document_id = ? AND ordinal < 0", (doc_id,))
                conn.execute("UPDATE document SET status = 'ok', error = '', n_chunks = ?, meta = ?, "
                             "updated_at = ? WHERE id = ?", (self._next, json.dumps(self.mask(final)), _now(), doc_id))
        return gone

    def _checkpoint_json(self) -> str:
        cp = self.checkpoint
        return json.dumps(replace(cp, meta=self.mask(cp.meta)).as_meta())

    def _open(self, conn: sqlite3.Connection) -> None:
        """The document row (new, or the existing one made partial) and what its old chunks offer."""
        f, now = self.file, _now()
        row = conn.execute("SELECT id, status FROM document WHERE path = ?", (f.path,)).fetchone()
        meta = self._checkpoint_json()
        if row is None:
            self.document_id = int(conn.execute(
                "INSERT INTO document (path, name, format, content_hash, size, mtime, status, error, n_chunks, "
                "meta, imported_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', 0, ?, ?, ?)",
                (f.path, f.name, f.fmt, f.content_hash, f.size, f.mtime, PARTIAL, meta, now, now)).lastrowid or 0)
            return
        doc_id = self.document_id = int(row[0])
        if self.resume is not None or row[1] == PARTIAL:
            # chunks stored after the checkpoint (or all new ones of an unfinished import of other content) go
            start = self.resume.ordinal if self.resume is not None else 0
            self._dropped += [r[0] for r in conn.execute(
                "SELECT id FROM chunk WHERE document_id = ? AND ordinal >= ?", (doc_id, start))]
            conn.execute("DELETE FROM chunk WHERE document_id = ? AND ordinal >= ?", (doc_id, start))
        else:  # the stored version stays until the new one is whole
            conn.execute("UPDATE chunk SET ordinal = -1 - ordinal WHERE document_id = ? AND ordinal >= 0",
                         (doc_id,))
        conn.execute(
            "UPDATE document SET name=?, format=?, content_hash=?, size=?, mtime=?, status=?, error='', n_chunks=?, "
            "meta=?, updated_at=? WHERE id=?",
            (f.name, f.fmt, f.content_hash, f.size, f.mtime, PARTIAL, self.checkpoint.ordinal, meta, now, doc_id))
        for cid, text in conn.execute(
                "SELECT id, text FROM chunk WHERE document_id = ? AND ordinal < 0 AND vector IS NOT NULL", (doc_id,)):
            self._reuse.setdefault(_key(text), cid)
