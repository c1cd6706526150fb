"""The embedder Mnemo runs on the CPU: torch for batches, the same model's ONNX graph for queries.

A query vector (``mnemo search``, a chat question, a form label) is a handful of texts; through
torch it costs importing torch and sentence-transformers (seconds) before the first vector.
``DualEmbedder`` gives those few texts to ``models.onnx_embedder.OnnxEmbedder`` once the graph is
cached in the data folder, and everything larger (an import, a re-embed) to the torch
``models.embedder.Embedder``. Both give the vectors of one model (the export is checked at
cosine >= 0.999), under one name and width, so stored vectors and query vectors stay in one space.

Until the graph exists every text goes through torch, as before; ``ensure_fast`` makes it once
(``models.onnx_export.export_onnx``, which needs torch: the app runs it as a background job after
start, ``mnemo import`` after embedding, where torch is loaded already). A model the ONNX
embedder cannot run (another pooling, a Dense layer, …) simply stays on torch; why is in
``fast_status``.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from models.embedder import Embedder
from models.errors import EmbedderError
from models.onnx_embedder import OnnxEmbedder, onnx_cache_path, read_pipeline

log = logging.getLogger(__name__)

SMALL_BATCH = 8  # texts up to which the ONNX graph embeds (queries); larger batches go through torch


class DualEmbedder:
    """A ``TextEmbedder`` (core/ports.py): ONNX for a few texts once its graph is cached, torch otherwise."""

    def __init__(self, path: str | Path | None, cache_dir: str | Path, batch_size: int = 64) -> None:
        self.torch = Embedder(path, device="cpu", batch_size=batch_size)
        self.path = self.torch.path
        self.cache_dir = Path(cache_dir)
        self._fast: OnnxEmbedder | None = None
        self._why_not = ""       # why the ONNX graph is not used: empty while it may still be
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.torch.name

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def dim(self) -> int:
        fast = self.fast()
        return fast.dim if fast is not None else self.torch.dim

    # ---- the ONNX graph ------------------------------------------------------------------------------
    def fast(self) -> OnnxEmbedder | None:
        """The ONNX embedder if its graph is cached and usable, else None (torch does the work)."""
        with self._lock:
            if self._fast is None and not self._why_not:
                try:
                    graph = onnx_cache_path(self.path, self.cache_dir)
                except EmbedderError as exc:  # a model the ONNX embedder cannot run
                    self._why_not = str(exc)
                    return None
                if graph.exists():
                    self._fast = OnnxEmbedder(graph, self.path, threads=1)
            return self._fast

    @property
    def fast_refused(self) -> bool:
        """True when this model's queries stay on torch (the ONNX embedder cannot run it, or its graph failed)."""
        return bool(self._why_not)

    @property
    def fast_status(self) -> str:
        """One line for ``mnemo doctor``: whether queries skip torch, and if not why."""
        if self.fast() is not None:
            assert self._fast is not None
            return f"queries through the ONNX graph {self._fast.onnx_path.name} (no torch)"
        return f"queries through torch ({self._why_not or 'the ONNX graph is not made yet'})"

    def ensure_fast(self) -> Path | None:
        """Make the ONNX graph if it is missing (slow: loads torch; once per embedder); its path, or None if not."""
        if self.fast() is not None:
            assert self._fast is not None
            return self._fast.onnx_path
        with self._lock:
            if self._why_not:
                return None
            try:
                read_pipeline(self.path)
                from models.onnx_export import export_onnx

                graph = export_onnx(self.path, onnx_cache_path(self.path, self.cache_dir))
            except EmbedderError as exc:
                self._why_not = str(exc)
                log.warning("queries stay on torch: %s", exc)
                return None
            except OSError as exc:  # a full disk, a read-only data folder: try again next time
                log.warning("the ONNX graph of the embedder could not be written (%s); queries stay on torch", exc)
                return None
            self._fast = OnnxEmbedder(graph, self.path, threads=1)
            log.info("queries now use the ONNX graph %s", graph)
            return graph

    # ---- embedding -----------------------------------------------------------------------------------
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` -> float32 array [len(texts), dim], unit length."""
        if 0 < len(texts) <= SMALL_BATCH:
            fast = self.fast()
            if fast is not None:
                try:
                    return fast.embed(texts)
                except EmbedderError as exc:  # a damaged graph: say so once, go on with torch
                    log.warning("the ONNX query embedder failed, using torch from now on: %s", exc)
                    with self._lock:
                        self._fast, self._why_not = None, str(exc)
        return self.torch.embed(texts)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
