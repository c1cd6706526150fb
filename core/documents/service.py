"""DocumentService: import personal documents into L0 memory and find passages again.

Importing (``pipeline.ImportRun``) streams each file: content hash (unchanged / moved / duplicate)
-> parse -> chunk -> SQLite in bounded batches (one transaction for a small file; a big one is
'partial' until whole, and a later run continues it) -> listeners. Chunk vectors are embedded in
batches across documents, written to Chroma, then marked stored; a run killed in between leaves
'pending' rows that the next run embeds first.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

import numpy as np

from core.documents.model import ChunkView, DocumentInfo, ImportReport, PassageHit
from core.documents.pipeline import EMBED_BATCH, ImportRun
from core.documents.scan import scan
from core.documents.search import COLLECTION, HybridSearch
from core.documents.store import DocumentStore, PendingRow
from core.documents.watch import FolderPoller
from core.errors import Cancelled, MnemoError
from core.jobs import CancelToken, Progress, ProgressFn, no_progress, token_or_new
from core.ports import EmbedderLoader, VectorStore
from core.privacy.vault import SensitiveVault
from core.settings import SettingsStore
from core.store.db import Database
from core.store.embedding import checked

log = logging.getLogger(__name__)

Listener = Callable[[str, int], None]
__all__ = ["DocumentService", "EMBED_BATCH"]


class DocumentService:
    """Imports, updates, forgets and searches the user's documents."""

    def __init__(self, db: Database, vectors: VectorStore, embedder: EmbedderLoader, settings_store: SettingsStore,
                 sensitive: SensitiveVault | None = None) -> None:
        self.store = DocumentStore(db)
        self.sensitive = sensitive  # masks card numbers, IBANs, ID numbers, passwords before they are stored
        self.vectors = vectors
        self._embedder = embedder
        self.settings_store = settings_store
        self._listeners: list[Listener] = []
        self._search = HybridSearch(self.store, vectors, embedder,
                                    lambda: settings_store.settings.retrieval.rrf_k)
        self._poller: FolderPoller | None = None
        self._watch_cancel = CancelToken()
        self._import_lock = threading.Lock()  # one import at a time (CLI, window and watcher share the service)

    # ---- listeners -------------------------------------------------------------------------
    def add_listener(self, fn: Listener) -> None:
        """Call ``fn(event, document_id)`` after each commit; events: imported, updated, forgotten."""
        self._listeners.append(fn)

    def _emit(self, event: str, document_id: int) -> None:
        for fn in list(self._listeners):
            try:
                fn(event, document_id)
            except Exception:  # a listener's bug must not break the import
                log.exception("document listener %r failed on %s %s", fn, event, document_id)

    # ---- reading ---------------------------------------------------------------------------
    def search(self, query: str, k: int = 20) -> list[PassageHit]:
        if self.sensitive is not None:  # a value asked for by itself is found by its placeholder
            query = self.sensitive.mask(query, store=False)
        return self._search.search(query, k)

    def iter_chunks(self, document_ids: list[int] | None = None) -> Iterator[ChunkView]:
        return self.store.iter_chunks(document_ids)

    def list_documents(self, status: str | None = None) -> list[DocumentInfo]:
        return self.store.list(status)

    def get_document(self, document_id: int) -> DocumentInfo:
        doc = self.store.get(document_id)
        if doc is None:
            raise MnemoError(f"There is no document {document_id}.", "List them with 'mnemo docs list'.")
        return doc

    def forget(self, document_id: int) -> int:
        """Remove a document from SQLite and Chroma; return the number of chunks removed."""
        self.get_document(document_id)
        ids = self.store.delete(document_id)
        self._delete_vectors(ids)
        self._emit("forgotten", document_id)
        return len(ids)

    # ---- importing -------------------------------------------------------------------------
    def import_paths(self, paths: Sequence[str | Path], progress: Optional[ProgressFn] = None,
                     cancel: Optional[CancelToken] = None, owner_self: bool = False) -> ImportReport:
        """Import files and folders (recursively); see ``ImportReport`` for what happened to each."""
        with self._import_lock:
            return self._import_paths(paths, progress, cancel, owner_self)

    def _import_paths(self, paths: Sequence[str | Path], progress: Optional[ProgressFn],
                      cancel: Optional[CancelToken], owner_self: bool) -> ImportReport:
        progress = progress or no_progress
        cancel = token_or_new(cancel)
        t0 = time.perf_counter()
        report = ImportReport()
        docs = self.settings_store.settings.documents
        found = scan(paths, include_hidden=docs.include_hidden, max_bytes=int(docs.max_file_mb * 1e6))
        report.skipped.extend(found.skipped)
        run = ImportRun(self, progress, cancel, owner_self, found.total_bytes, len(found.files), report)
        try:
            self.embed_pending(cancel=cancel)  # finish what a killed run left behind
            for cand in found.files:
                run.import_file(cand)
            run.finish()
        except (Cancelled, KeyboardInterrupt):
            report.cancelled = True  # what was committed stays; the next run embeds it and continues a partial file
        report.seconds = time.perf_counter() - t0
        run.tick("done")
        return report

    # ---- vectors ---------------------------------------------------------------------------
    def _embed(self, batch: list[PendingRow], report: ImportReport | None = None) -> None:
        fresh = [i for i, row in enumerate(batch) if not row[3]]  # rows without a reusable stored vector
        parts: dict[int, np.ndarray] = {}
        if fresh:
            embedder = self._embedder()
            # the chunks' vectors must come from the embedder that made the stored ones (or none yet)
            self.store.check_space(embedder.name, embedder.dim, writing=True)
            new = checked(embedder, embedder.embed([batch[i][2] for i in fresh]), len(fresh))
            parts.update(zip(fresh, new))
        for i, row in enumerate(batch):
            if row[3]:
                parts[i] = np.frombuffer(row[3], dtype=np.float16).astype(np.float32)
        vecs = np.stack([parts[i] for i in range(len(batch))])
        ids = [row[0] for row in batch]
        self.vectors.upsert(COLLECTION, ids, vecs, [{"document_id": row[1]} for row in batch])
        self.store.mark_embedded(ids, vecs)
        if report is not None:
            report.embedded += len(ids)

    def _delete_vectors(self, ids: list[int]) -> None:
        try:
            self.vectors.delete(COLLECTION, ids)
        except Exception:  # orphans are filtered at search time and dropped by a rebuild
            log.exception("could not delete %d vectors from Chroma", len(ids))

    def embed_pending(self, progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None) -> int:
        """Embed chunks whose vectors never reached Chroma (a killed import); return how many."""
        cancel = token_or_new(cancel)
        total = self.store.count_pending()
        done = 0
        while done < total:
            cancel.raise_if_cancelled()
            batch = self.store.pending(EMBED_BATCH)
            if not batch:
                break
            self._embed(batch)
            done += len(batch)
            if progress:
                progress(Progress(done, total, "embedding passages left from an earlier import"))
        return done

    def rebuild_vectors(self, progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None) -> int:
        """Rebuild the Chroma collection from SQLite (stored float16 vectors; re-embed the rest)."""
        rows = ((cid, np.frombuffer(blob, dtype=np.float16).astype(np.float32), {"document_id": doc_id})
                for cid, doc_id, blob in self.store.stored_vectors() if blob)
        n = self.vectors.rebuild(COLLECTION, rows)
        return n + self.embed_pending(progress, cancel)  # chunks without a stored vector are still pending

    # ---- watched folders -------------------------------------------------------------------
    def watched(self) -> list[str]:
        return list(self.settings_store.settings.documents.watched_folders)

    def watch(self, path: str | Path) -> str:
        folder = os.path.abspath(os.path.expanduser(str(path)))
        if not os.path.isdir(folder):
            raise MnemoError(f"{folder} is not a folder.", "Watch a folder that exists.")
        folders = self.watched()
        if folder not in folders:
            self.settings_store.set("documents.watched_folders", folders + [folder])
        return folder

    def unwatch(self, path: str | Path) -> bool:
        folder = os.path.abspath(os.path.expanduser(str(path)))
        folders = self.watched()
        if folder not in folders:
            return False
        self.settings_store.set("documents.watched_folders", [f for f in folders if f != folder])
        return True

    def scan_watched(self, progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None) -> ImportReport:
        """Import new and changed files of every watched folder; mark deleted ones 'missing'."""
        folders = [f for f in self.watched() if os.path.isdir(f)]
        report = self.import_paths(folders, progress, cancel) if folders else ImportReport()
        for folder in folders:
            for doc in self.store.paths_under(folder):
                if doc.status == "ok" and not os.path.exists(doc.path):
                    self.store.set_status(doc.id, "missing")
                    report.missing.append(doc.path)
                    self._emit("updated", doc.id)
        return report

    def start_watching(self, interval_s: float = 30.0) -> None:
        """Scan the watched folders now and again whenever their files change (background thread)."""
        if self._poller is None:
            self._poller = FolderPoller(self.watched, lambda: self.settings_store.settings.documents.include_hidden,
                                        lambda: self.scan_watched(cancel=self._watch_cancel), interval_s)
        self._watch_cancel = CancelToken()
        self._poller.start()

    def stop_watching(self) -> None:
        """Stop the poller; a scan in progress stops after its current file."""
        if self._poller is not None:
            self._watch_cancel.cancel()
            self._poller.stop()
