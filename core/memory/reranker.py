"""The learnable reranker of RMM's retrospective reflection, trained from citations.

    q' = q + W_q q,  m' = m + W_m m,  s = β·p + (q'·m' − q·m) + b_kind + w·f

p is the retriever's fused score scaled to [0, 1] over the K candidates (our retriever is
hybrid: the paper's "reranker starts as the retriever" is β·p), b_kind a bias per candidate
kind (memory, raw turn, passage), f the candidate's retrieval signals (``SIGNALS``: where each
ranking placed it, how much of the question's wording it holds, whether its speaker is the one
asked about, whether it is next to a strong hit, whether it holds a time when the question asks
when, whether the turn before it holds the question's wording, ...) and w their weights. W_q, W_m, b and w start at zero and β at ``beta0``, so the
untrained reranker gives exactly the fused order and learning can only move away from it: the
adapters enter as q'·m' − q·m, which is zero for zero matrices (the plain similarity q·m is
one of the signals, ``cosine``, whose weight is learnt like the others).

Top-M are sampled with Gumbel noise (τ); after an answer, cited items get reward +1 and
shown-but-uncited −1. The matrices take RMM's REINFORCE step with a baseline, ascending
Σ (r − b)·∇ log softmax(s/τ)_i: they learn topics, which a user asks about again. The prior's
weight, the kind biases and the signal weights learn what transfers across questions (which
ranking and which signals the cited items had): a pairwise logistic step per (cited, shown but
not cited) pair, ascending log σ(s_cited − s_uncited), at ``signal_lr``; an answer citing
nothing, or everything shown, says nothing about them. Plain numpy. Weights persist as
safetensors; a file from before a signal was added loads with that signal's weight at zero.

The width d is the embedder's (``dim``: a number, or a callable asked on first use so that the
embedder loads only when the reranker is needed). Vectors of another width fail with an
``EmbedderError``, except right after the embedder changed (the callable now gives their
width): then weights learnt on the old embedder's vectors mean nothing and it starts fresh.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

import numpy as np

from core.errors import EmbedderError

log = logging.getLogger(__name__)

KINDS = ("memory", "turn", "passage")
# The retrieval signals of a candidate, each in [0, 1] (``core.memory.retrieval.signals``; the cosine in [-1, 1]).
SIGNALS = ("mem_kw", "mem_dense", "turn_kw", "turn_dense", "turns", "speaker", "overlap", "cosine", "neighbour",
           "length", "question", "when_time", "rank", "after_match")
SIGNAL_LR = 0.1   # the pairwise step of β, b and w (chosen on the training side of the development questions)
FORM = "delta"    # s holds q'·m' − q·m (an older file's matrices were learnt with q'·m': they load as they are)


def kind_index(kinds: list[str]) -> np.ndarray:
    return np.array([KINDS.index(k) if k in KINDS else 0 for k in kinds], dtype=np.int64)


class Reranker:
    """Scores K candidates for one query; learns from which shown ones were cited."""

    def __init__(self, dim: int | Callable[[], int], path: Path | None = None, beta0: float = 1.0,
                 signal_lr: float = SIGNAL_LR) -> None:
        self.path = Path(path) if path else None
        self.beta0 = float(beta0)
        self.signal_lr = float(signal_lr)
        self._dim_source = dim
        self._dim: int | None = None
        self._lock = threading.Lock()
        if isinstance(dim, int):
            self._start(dim)

    def _start(self, dim: int) -> None:
        """Fresh weights for ``dim``-wide vectors, then the saved ones if they are for that width."""
        self._dim = int(dim)
        self.W_q = np.zeros((dim, dim), np.float32)
        self.W_m = np.zeros((dim, dim), np.float32)
        self.beta = self.beta0
        self.bias = np.zeros(len(KINDS), np.float32)
        self.w_sig = np.zeros(len(SIGNALS), np.float32)
        self.updates = 0
        if self.path is not None and self.path.exists():
            self.load()

    @property
    def dim(self) -> int:
        if self._dim is None:
            assert callable(self._dim_source)
            dim = int(self._dim_source())
            with self._lock:
                if self._dim is None:
                    self._start(dim)
        assert self._dim is not None
        return self._dim

    def _fit(self, width: int) -> None:
        """Vectors ``width`` wide are coming: fine, a fresh start for a changed embedder, or an EmbedderError."""
        if width == self.dim:
            return
        if callable(self._dim_source) and int(self._dim_source()) == width:
            log.warning("the embedder changed (%d -> %d wide); the reranker starts from scratch", self.dim, width)
            with self._lock:
                if self._dim != width:
                    self._start(width)
            return
        raise EmbedderError(f"The memory reranker works on {self.dim}-wide vectors but was given {width}-wide ones.",
                            "Run 'mnemo reembed' so that every stored vector comes from the embedder now set.")

    # ---- scoring --------------------------------------------------------------------------------
    def scores(self, q: np.ndarray, M: np.ndarray, prior: np.ndarray | None = None,
               kinds: np.ndarray | None = None, signals: np.ndarray | None = None) -> np.ndarray:
        """q [d], M [K, d], prior [K], kinds [K] (indices into KINDS), signals [K, len(SIGNALS)] -> scores [K]."""
        if len(M) == 0:
            return np.zeros(0, np.float32)
        self._fit(int(np.shape(q)[-1]))
        if np.shape(M)[-1] != self.dim:
            raise EmbedderError(f"The memory reranker was given {np.shape(M)[-1]}-wide candidate vectors for a "
                                f"{self.dim}-wide query.", "Run 'mnemo reembed' to embed every stored text again.")
        with self._lock:
            return self._scores(q, M, prior, kinds, signals)[0]

    def _scores(self, q: np.ndarray, M: np.ndarray, prior: np.ndarray | None,
                kinds: np.ndarray | None, signals: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # s = (M + M W_mᵀ) q' − M q = M (q' + W_mᵀ q' − q): matrix-vector products only (a matrix-matrix
        # product let BLAS spin threads for 50 ms on a loaded 2-core machine). Zero for zero matrices.
        qp = q + self.W_q @ q                          # [d]
        v = qp + self.W_m.T @ qp                       # [d]
        s = M @ (v - q) if self.W_q.any() or self.W_m.any() else np.zeros(len(M), np.float32)  # [K]
        if prior is not None:
            s = s + self.beta * prior
        if kinds is not None:
            s = s + self.bias[kinds]
        if signals is not None:
            s = s + np.asarray(signals, np.float32) @ self.w_sig
        return s.astype(np.float32), qp, v

    @staticmethod
    def sample(scores: np.ndarray, m: int, tau: float, rng: np.random.Generator | None = None) -> list[int]:
        """Top-m without replacement by Gumbel-top-k on scores/τ (τ → 0 is greedy)."""
        rng = rng or np.random.default_rng()
        g = rng.gumbel(size=len(scores))
        return [int(i) for i in np.argsort(-(scores / max(tau, 1e-6) + g))[:m]]

    # ---- learning ---------------------------------------------------------------------------------
    def update(self, q: np.ndarray, M: np.ndarray, prior: np.ndarray | None, shown: list[int], rewards: list[float],
               lr: float = 1e-3, baseline: float = 0.5, tau: float = 0.5, kinds: np.ndarray | None = None,
               signals: np.ndarray | None = None) -> float:
        """One step from one answer's citations; returns the mean advantage. ``shown`` index rows of M.

        W_q, W_m: REINFORCE at ``lr``; β, b, w: the pairwise logistic step at ``signal_lr``."""
        if not shown or len(M) == 0:
            return 0.0
        self._fit(int(np.shape(q)[-1]))
        with self._lock:
            s, qp, _ = self._scores(q, M, prior, kinds, signals)
            z = s / tau
            p = np.exp(z - z.max())
            p /= p.sum()
            # d/ds_j of Σ_i A_i log p_i = (A_j − p_j Σ_i A_i) / τ
            adv = np.zeros(len(M), np.float32)
            for i, r in zip(shown, rewards):
                adv[i] += r - baseline
            g_s = (adv - p * adv.sum()) / tau          # [K]
            # s_j = m'_j·q' : ds/dW_q = m'_j ⊗ q ; ds/dW_m = q' ⊗ m_j  (Σ_j g_j m'_j = gM + W_m gM)
            gM = g_s @ M                               # [d]
            gMp = gM + self.W_m @ gM
            self.W_q += lr * np.outer(gMp, q).astype(np.float32)
            self.W_m += lr * np.outer(qp, gM).astype(np.float32)
            # pairwise: d/ds of Σ_(i cited, j not) log σ(s_i − s_j) = Σ (1 − σ)(e_i − e_j)
            cited = [i for i, r in zip(shown, rewards) if r > 0]
            uncited = [j for j, r in zip(shown, rewards) if r <= 0]
            g_p = np.zeros(len(M), np.float32)
            for i in cited:
                for j in uncited:
                    step = 1.0 / (1.0 + np.exp(float(s[i] - s[j])))   # 1 − σ(s_i − s_j)
                    g_p[i] += step
                    g_p[j] -= step
            slr = self.signal_lr
            if prior is not None:
                self.beta += slr * float(g_p @ prior)
            if kinds is not None:
                np.add.at(self.bias, kinds, slr * g_p)
            if signals is not None:
                self.w_sig += slr * (g_p @ np.asarray(signals, np.float32))
            self.updates += 1
        return float(adv[shown].mean())

    # ---- persistence ------------------------------------------------------------------------------
    def save(self) -> None:
        if self.path is None or self._dim is None:
            return
        from safetensors.numpy import save_file

        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with self._lock:
            save_file({"W_q": self.W_q, "W_m": self.W_m, "beta": np.array([self.beta], np.float32),
                       "bias": self.bias, "w_sig": self.w_sig}, str(tmp),
                      metadata={"dim": str(self.dim), "updates": str(self.updates), "signals": ",".join(SIGNALS),
                                "form": FORM})
        tmp.replace(self.path)

    def load(self) -> None:
        from safetensors import safe_open

        assert self.path is not None
        try:
            with safe_open(str(self.path), framework="numpy") as f:
                meta = f.metadata() or {}
                W_q, W_m, beta = f.get_tensor("W_q"), f.get_tensor("W_m"), f.get_tensor("beta")
                bias = f.get_tensor("bias") if "bias" in f.keys() else np.zeros(len(KINDS), np.float32)
                # signal weights are kept by name: one the file lacks (an older list, or none) starts at zero
                w_sig = np.zeros(len(SIGNALS), np.float32)
                if "w_sig" in f.keys():
                    old = dict(zip(meta.get("signals", "").split(","), f.get_tensor("w_sig").tolist()))
                    w_sig = np.array([old.get(n, 0.0) for n in SIGNALS], np.float32)
        except Exception as exc:  # a damaged file: start fresh, keep the file for inspection
            log.warning("reranker weights %s unreadable (%s); starting from scratch", self.path, exc)
            return
        if W_q.shape != (self.dim, self.dim):
            log.warning("reranker weights %s are for dimension %s, not %s; starting from scratch",
                        self.path, W_q.shape[0], self.dim)
            return
        self.W_q, self.W_m, self.beta = W_q.astype(np.float32), W_m.astype(np.float32), float(beta[0])
        self.bias = bias.astype(np.float32)
        self.w_sig = w_sig.astype(np.float32)
        self.updates = int(meta.get("updates", 0))
