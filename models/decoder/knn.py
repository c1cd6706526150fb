"""FAISS search over the datastore and the kNN-LM distributions built from it.

p_kNN(w | position) ∝ Σ_{neighbours n with value w} exp(−d_n / τ), d = squared L2 distance
(FAISS's metric), τ = tau_scale × the median nearest-neighbour distance. Training targets
exclude the position itself and are stored sparse (CSR over compact ids).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

ProgressCb = Callable[[int, int, str], None]


class TorchFlatIndex:
    """Exact squared-L2 search with torch (on the GPU when there is one); used where FAISS is missing."""

    def __init__(self, keys: np.ndarray, device: str | None = None) -> None:
        import torch

        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.keys = torch.as_tensor(np.ascontiguousarray(keys, dtype=np.float32), device=self.device)
        self.sq = (self.keys * self.keys).sum(1)
        self.ntotal = len(keys)

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        import torch

        Q = torch.as_tensor(np.ascontiguousarray(q, dtype=np.float32), device=self.device)
        d = (Q * Q).sum(1, keepdim=True) - 2 * Q @ self.keys.t() + self.sq[None]      # (n, N)
        D, I = torch.topk(d.clamp_min(0), k, dim=1, largest=False)
        return D.cpu().numpy(), I.cpu().numpy().astype(np.int64)


def build_index(keys: np.ndarray, ivfpq_threshold: int = 200_000, nprobe: int = 32, seed: int = 0) -> Any:
    """Exact L2 index for small stores, IVF-PQ past ``ivfpq_threshold`` keys."""
    try:
        import faiss
    except ImportError:  # e.g. a GPU machine without faiss: exact search with torch
        return TorchFlatIndex(keys)

    N, d = keys.shape
    keys = np.ascontiguousarray(keys, dtype=np.float32)
    if N <= ivfpq_threshold:
        index = faiss.IndexFlatL2(d)
        index.add(keys)
        return index
    nlist = int(min(max(64, 4 * np.sqrt(N)), 65536))
    m = next(m for m in (64, 48, 32, 24, 16, 12, 8, 6, 4, 3, 2, 1) if d % m == 0)
    quant = faiss.IndexFlatL2(d)
    ivf = faiss.IndexIVFPQ(quant, d, nlist, m, 8)
    rng = np.random.default_rng(seed)
    sample = keys[rng.choice(N, size=min(N, max(40 * nlist, 50_000)), replace=False)]
    ivf.train(sample)
    ivf.add(keys)
    ivf.nprobe = nprobe
    return ivf


def search(index: Any, queries: np.ndarray, k: int, batch: int = 4096, progress: ProgressCb | None = None,
           should_stop: Callable[[], bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(distances (n, k) float32 squared L2, ids (n, k) int64; -1 where fewer exist)."""
    n = len(queries)
    k = int(min(k, index.ntotal))
    D = np.empty((n, k), dtype=np.float32)
    I = np.empty((n, k), dtype=np.int64)
    for s in range(0, n, batch):
        if should_stop is not None and should_stop():
            raise KeyboardInterrupt
        q = np.ascontiguousarray(queries[s:s + batch], dtype=np.float32)
        D[s:s + len(q)], I[s:s + len(q)] = index.search(q, k)
        if progress is not None:
            progress(min(s + batch, n), n, f"nearest neighbours: {min(s + batch, n)}/{n}")
    return D, I


def drop_self(D: np.ndarray, I: np.ndarray, self_ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Remove each row's own id (the position itself) and keep ``k`` neighbours (-1 padded)."""
    keep = (I != self_ids[:, None]) & (I >= 0)
    order = np.argsort(~keep, axis=1, kind="stable")[:, :k]        # kept columns first, in rank order
    D2 = np.take_along_axis(D, order, 1)
    I2 = np.take_along_axis(I, order, 1)
    valid = np.take_along_axis(keep, order, 1)
    I2[~valid] = -1
    D2[~valid] = np.inf
    return D2, I2


def median_nearest(D: np.ndarray) -> float:
    first = D[:, 0][np.isfinite(D[:, 0])]
    return float(np.median(first)) if first.size else 1.0


def neighbour_weights(D: np.ndarray, tau: float) -> np.ndarray:
    """exp(−(d − d_min)/τ) per row (shift-invariant), 0 for missing neighbours."""
    d0 = np.where(np.isfinite(D[:, :1]), D[:, :1], 0.0)
    W = np.exp(-(D - d0) / max(tau, 1e-12))
    W[~np.isfinite(D)] = 0.0
    return W


@dataclass
class SparseTargets:
    """CSR rows of p_kNN over compact ids: row i = cols[indptr[i]:indptr[i+1]], probs[...]."""

    indptr: np.ndarray   # (N+1,) int64
    cols: np.ndarray     # (nnz,) int32  compact token ids
    probs: np.ndarray    # (nnz,) float32
    tau: float

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return self.cols[self.indptr[i]:self.indptr[i + 1]], self.probs[self.indptr[i]:self.indptr[i + 1]]

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For positions ``rows`` (n,): (which of the n each entry belongs to, compact cols, probs)."""
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lens = ends - starts
        owner = np.repeat(np.arange(len(rows)), lens)
        idx = np.repeat(starts - np.cumsum(np.concatenate([[0], lens[:-1]])), lens) + np.arange(lens.sum())
        return owner, self.cols[idx].astype(np.int64), self.probs[idx]

    def save(self, path: Any) -> None:
        np.savez(path, indptr=self.indptr, cols=self.cols, probs=self.probs, tau=np.float64(self.tau))

    @classmethod
    def load(cls, path: Any) -> "SparseTargets":
        z = np.load(path)
        return cls(z["indptr"], z["cols"], z["probs"], float(z["tau"]))


def sparse_targets(D: np.ndarray, I: np.ndarray, values_compact: np.ndarray, tau: float, chunk: int = 8192) -> SparseTargets:
    """Aggregate neighbour weights per (row, token) into normalised sparse distributions."""
    n, k = I.shape
    indptr = [np.zeros(1, dtype=np.int64)]
    cols_all, probs_all = [], []
    total = 0
    n_out = int(values_compact.max()) + 2 if values_compact.size else 1
    for s in range(0, n, chunk):
        Ic, Dc = I[s:s + chunk], D[s:s + chunk]
        W = neighbour_weights(Dc, tau)
        tok = np.where(Ic >= 0, values_compact[np.maximum(Ic, 0)], 0)
        rows = np.repeat(np.arange(len(Ic)), k)
        key = rows * n_out + tok.ravel()
        w = W.ravel()
        m = w > 0
        uniq, inv = np.unique(key[m], return_inverse=True)
        sums = np.bincount(inv, weights=w[m]).astype(np.float64)
        r = uniq // n_out
        norm = np.bincount(r, weights=sums, minlength=len(Ic))
        probs = (sums / norm[r]).astype(np.float32)
        counts = np.bincount(r, minlength=len(Ic))
        indptr.append(total + np.cumsum(counts))
        total += int(counts.sum())
        cols_all.append((uniq % n_out).astype(np.int32))
        probs_all.append(probs)
    return SparseTargets(np.concatenate(indptr).astype(np.int64), np.concatenate(cols_all) if cols_all else np.zeros(0, np.int32),
                         np.concatenate(probs_all) if probs_all else np.zeros(0, np.float32), tau)


def knn_logprob(D: np.ndarray, I: np.ndarray, values: np.ndarray, targets: np.ndarray, tau: float) -> np.ndarray:
    """log p_kNN(target) per query row (−inf where no neighbour has that value)."""
    W = neighbour_weights(D, tau)
    vals = np.where(I >= 0, values[np.maximum(I, 0)], -1)
    hit = (W * (vals == targets[:, None])).sum(1)
    with np.errstate(divide="ignore"):
        return np.log(hit / np.maximum(W.sum(1), 1e-300))


def top1_accuracy(I: np.ndarray, values: np.ndarray, targets: np.ndarray) -> float:
    """How often the nearest neighbour's next token is the query's next token."""
    first = I[:, 0]
    ok = (first >= 0) & (values[np.maximum(first, 0)] == targets)
    return float(ok.mean()) if len(ok) else 0.0


def chance_accuracy(values: np.ndarray) -> float:
    """Probability that two random positions share their next token (Σ f_w²)."""
    _, c = np.unique(values, return_counts=True)
    f = c / max(c.sum(), 1)
    return float((f * f).sum())
