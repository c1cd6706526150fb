"""ImportRun: one import into a DocumentService, file by file and, within a file, piece by piece.

Per file: hash it in pieces -> unchanged / moved / duplicate / an unfinished import to continue ->
parse (a mailbox lazily, message by message) -> per piece (a mail, or the whole of any other file):
mask sensitive values, chunk with a generator, store through a ``DocumentWriter`` in bounded
batches -> embed stored chunks, read back from SQLite by id, in batches of ``EMBED_BATCH`` across
files -> listeners once the document is whole. What is held at once is one piece and one batch,
whatever the size of the file; a cancelled or killed run is continued by the next one.
"""
from __future__ import annotations

import hashlib
import os
import time
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional

from core.documents import importers
from core.documents.chunker import chunk_stream
from core.documents.model import ImportReport, Mark, Section
from core.documents.scan import Candidate
from core.documents.store import db_path
from core.documents.writer import PARTIAL, Checkpoint, DocumentFile, DocumentWriter
from core.errors import ImportFailed
from core.jobs import CancelToken, Progress, ProgressFn

if TYPE_CHECKING:
    from core.documents.service import DocumentService

EMBED_BATCH = 128
_READ = 1 << 20


def file_digest(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file, read a megabyte at a time."""
    h = hashlib.sha256()
    with open(path, "rb") as fp:
        while block := fp.read(_READ):
            h.update(block)
    return h.hexdigest()


def _copy(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` as it is now (its lists and dicts copied: the reader goes on changing them)."""
    return {k: list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v for k, v in meta.items()}


class ImportRun:
    """The state of one ``import_paths`` call: its report, progress, cancel token and the chunks waiting
    for their vectors."""

    def __init__(self, service: DocumentService, progress: ProgressFn, cancel: CancelToken, owner_self: bool,
                 total_bytes: int, n_files: int, report: ImportReport) -> None:
        self.svc, self.progress, self.cancel, self.owner_self = service, progress, cancel, owner_self
        self.report = report
        self._t0 = time.perf_counter()
        self._total, self._n_files = total_bytes, n_files
        self._files, self._done_bytes, self._at = 0, 0, 0   # files and bytes finished, bytes into this file
        self._waiting: list[int] = []                         # chunk ids stored, not embedded yet

    # ---- progress --------------------------------------------------------------------------
    def tick(self, message: str) -> None:
        elapsed = max(1e-6, time.perf_counter() - self._t0)
        done = self._done_bytes + self._at
        frac = done / self._total if self._total else 0.0
        eta = elapsed * (1 - frac) / frac if frac > 0 else None
        self.progress(Progress(self._files, self._n_files, message, {
            "chunks": self.report.chunks, "embedded": self.report.embedded,
            "chunks_per_s": self.report.embedded / elapsed, "bytes": done, "total_bytes": self._total, "eta_s": eta}))

    # ---- files -----------------------------------------------------------------------------
    def import_file(self, cand: Candidate) -> None:
        self.cancel.raise_if_cancelled()
        self._at = 0
        self.tick(str(cand.path))
        self._import_one(cand)
        self._files += 1
        self._done_bytes += cand.size
        self._at = 0

    def finish(self) -> None:
        """Embed the chunks still waiting (fewer than a batch)."""
        if self._waiting:
            ids, self._waiting = self._waiting, []
            self.svc._embed(self.svc.store.pending_rows(ids), self.report)

    def _import_one(self, cand: Candidate) -> None:
        path, store, report = str(cand.path), self.svc.store, self.report
        try:
            digest = file_digest(cand.path)
        except OSError as exc:
            report.skipped.append((path, f"cannot read ({exc.strerror or exc})"))
            return
        existing = store.by_path(path)
        if (existing is not None and existing.content_hash == digest
                and existing.status not in ("error", PARTIAL)):
            if existing.status != "ok" or existing.error:
                store.set_status(existing.id, "ok")
            if self.owner_self and existing.meta.get("owner") != "self":
                self._store(cand, digest, existing)
                return
            report.unchanged.append(path)
            return
        twin = store.by_hash(digest, exclude_path=path)
        if twin is not None and existing is None:
            if not os.path.exists(twin.path):  # the file moved: follow it instead of duplicating it
                store.set_status(twin.id, "ok", path=path)
                report.updated.append(path)
                self.svc._emit("updated", twin.id)
                return
            report.skipped.append((path, f"same content as {twin.path} (already imported)"))
            return
        self._store(cand, digest, existing)

    def _masked(self, sections: Iterable[Section]) -> Iterator[Section]:
        """Sections with sensitive values masked, before chunking: a value is never cut in two, and no chunk holds it."""
        vault = self.svc.sensitive
        if vault is None:
            yield from sections
            return
        for sec in sections:
            yield Section(vault.mask(sec.text), vault.mask(sec.label), vault.mask_obj(sec.meta), sec.group)

    def _mask_meta(self, meta: dict[str, Any]) -> dict[str, Any]:
        vault = self.svc.sensitive
        return vault.mask_obj(meta) if vault is not None else meta

    def _store(self, cand: Candidate, digest: str, existing: Any) -> None:
        path, name = str(cand.path), cand.path.name
        store, report = self.svc.store, self.report
        prior = Checkpoint.of(existing.meta) if existing is not None and existing.status == PARTIAL else None
        resume = prior if prior is not None and existing.content_hash == digest else None
        event = prior.event if prior is not None else (
            "updated" if existing is not None and existing.status != "error" else "imported")
        extra = {"owner": "self"} if self.owner_self or (existing is not None and existing.meta.get("owner") == "self") \
            else {}
        fmt = importers.extension(name, path).lstrip(".")
        writer: Optional[DocumentWriter] = None
        try:
            fmt, parsed = importers.parse_file(path, name)
            writer = DocumentWriter(store.db, DocumentFile(db_path(path), db_path(name), fmt, digest, cand.size,
                                                           cand.mtime), event, resume, mask=self._mask_meta)
            if resume is not None:
                parsed.meta.update(resume.meta)
            r = self.svc.settings_store.settings.retrieval
            for piece in parsed.read(resume.mark if resume is not None else None):
                for chunk in chunk_stream(self._masked(piece.sections), r.chunk_chars, r.chunk_overlap):
                    writer.add(chunk)
                writer.piece_done(piece.end, {**_copy(parsed.meta), **extra})
                self._stored(writer, piece.end, path)
            if not writer.total:
                raise ImportFailed("no text found", "Nothing to import.")
        except (ImportFailed, OSError) as exc:
            reason = str(exc) if isinstance(exc, ImportFailed) else f"cannot read ({exc.strerror or exc})"
            report.skipped.append((path, reason))
            store.record_error(path=path, name=name, fmt=fmt, content_hash=digest, size=cand.size,
                               mtime=cand.mtime, error=reason)
            if writer is not None:
                self._stored(writer, None, path)  # what was stored stays (an unfinished import is continued)
            return
        old_ids = writer.finish({**parsed.meta, **extra})
        self.svc._delete_vectors(old_ids)
        doc_id = int(writer.document_id or 0)
        (report.updated if event == "updated" else report.imported).append(path)
        report.document_ids.append(doc_id)
        report.chunks += writer.written
        self.svc._emit(event, doc_id)
        self._stored(writer, None, path)

    def _stored(self, writer: DocumentWriter, at: Optional[Mark], path: str) -> None:
        """After a piece: drop the vectors of chunks the writer removed, embed full batches of stored ones."""
        if at is not None:
            self._at = at.offset
        dropped = writer.take_dropped()
        if dropped:
            self.svc._delete_vectors(dropped)
        self._waiting.extend(writer.take_committed())
        while len(self._waiting) >= EMBED_BATCH:
            batch, self._waiting = self._waiting[:EMBED_BATCH], self._waiting[EMBED_BATCH:]
            self.svc._embed(self.svc.store.pending_rows(batch), self.report)
            self.tick(path)
            self.cancel.raise_if_cancelled()
        self.cancel.raise_if_cancelled()
