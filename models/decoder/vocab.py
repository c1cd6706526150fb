"""The compact output space: the tokens that occur in the corpus, mapped to and from full vocabulary ids.

p_kNN is zero outside the corpus tokens, so the decoder's softmax only needs those; the
full tokenizer's ids stay the interface (``mixing`` scatters back into the full vocabulary).
"""
from __future__ import annotations

from typing import Iterable

import numpy as np


class CompactVocab:
    """Sorted full-vocabulary ids of the corpus tokens; compact id = position in that list."""

    def __init__(self, full_ids: Iterable[int], n_vocab: int) -> None:
        ids = np.unique(np.asarray(list(full_ids) if not isinstance(full_ids, np.ndarray) else full_ids, dtype=np.int64))
        if ids.size and (ids[0] < 0 or ids[-1] >= n_vocab):
            raise ValueError(f"token ids out of range for a vocabulary of {n_vocab}")
        self.ids = ids.astype(np.int64)                      # (n_out,)
        self.n_vocab = int(n_vocab)
        self._lookup = np.full(self.n_vocab, self.unk, dtype=np.int64)
        self._lookup[self.ids] = np.arange(self.ids.size)

    @property
    def n_out(self) -> int:
        return int(self.ids.size)

    @property
    def unk(self) -> int:
        """Input id of tokens outside the corpus (the decoder cannot predict them)."""
        return int(self.ids.size)

    def to_compact(self, full: np.ndarray | list[int]) -> np.ndarray:
        return self._lookup[np.asarray(full, dtype=np.int64)]

    def to_full(self, compact: np.ndarray | list[int]) -> np.ndarray:
        return self.ids[np.asarray(compact, dtype=np.int64)]

    def contains(self, full: np.ndarray | list[int]) -> np.ndarray:
        return self.to_compact(full) != self.unk
