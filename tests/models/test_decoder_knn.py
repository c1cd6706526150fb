"""kNN targets on a tiny hand-made datastore (exact values), self exclusion, kNN-LM probabilities."""
from __future__ import annotations

import math

import numpy as np
import pytest

from models.decoder import knn


@pytest.fixture
def store() -> tuple[np.ndarray, np.ndarray]:
    # four keys on a line: distances are easy to write down
    keys = np.array([[0.0], [1.0], [3.0], [10.0]], dtype=np.float32)
    values = np.array([7, 7, 2, 5], dtype=np.int64)   # compact ids of the next tokens
    return keys, values


def test_sparse_targets_exact_values_self_excluded(store: tuple[np.ndarray, np.ndarray]) -> None:
    keys, values = store
    index = knn.build_index(keys)
    D, I = knn.search(index, keys, 3)
    D, I = knn.drop_self(D, I, np.arange(4), 2)
    assert (I != np.arange(4)[:, None]).all()                   # the position itself is never a neighbour
    assert I[0].tolist() == [1, 2] and D[0].tolist() == [1.0, 9.0]   # squared L2
    tau = 2.0
    t = knn.sparse_targets(D, I, values, tau)
    cols, probs = t.row(0)                                       # neighbours 1 (value 7, d=1) and 2 (value 2, d=9)
    got = dict(zip(cols.tolist(), probs.tolist()))
    w7, w2 = 1.0, math.exp(-(9 - 1) / tau)
    assert got[7] == pytest.approx(w7 / (w7 + w2), rel=1e-6)
    assert got[2] == pytest.approx(w2 / (w7 + w2), rel=1e-6)
    cols1, probs1 = t.row(1)                                    # neighbours 0 (value 7, d=1) and 2 (value 2, d=4)
    got1 = dict(zip(cols1.tolist(), probs1.tolist()))
    assert got1[7] == pytest.approx(1 / (1 + math.exp(-3 / tau)), rel=1e-6)
    for i in range(4):
        assert t.row(i)[1].sum() == pytest.approx(1.0, rel=1e-6)


def test_same_token_neighbours_are_summed() -> None:
    keys = np.array([[0.0], [1.0], [2.0]], dtype=np.float32)
    values = np.array([4, 9, 9], dtype=np.int64)
    D, I = knn.search(knn.build_index(keys), keys, 3)
    D, I = knn.drop_self(D, I, np.arange(3), 2)
    t = knn.sparse_targets(D, I, values, tau=1.0)
    cols, probs = t.row(0)
    assert cols.tolist() == [9] and probs.tolist() == [pytest.approx(1.0)]
    owner, c, p = t.gather(np.array([2, 0]))
    assert owner.tolist().count(1) == 1 and c[owner == 1].tolist() == [9]


def test_knn_logprob_and_accuracy(store: tuple[np.ndarray, np.ndarray]) -> None:
    keys, values = store
    q = np.array([[0.1], [9.0]], dtype=np.float32)
    D, I = knn.search(knn.build_index(keys), q, 2)
    lp = knn.knn_logprob(D, I, values, np.array([7, 2]), tau=1.0)
    assert lp[0] == pytest.approx(0.0, abs=1e-6)               # both neighbours of 0.1 say 7
    assert lp[1] == pytest.approx(-35.0, abs=1e-3)              # 9.0: key 10 (5, d=1) and key 3 (2, d=36)
    assert np.isneginf(knn.knn_logprob(D, I, values, np.array([7, 4]), tau=1.0)[1])  # no neighbour says 4
    assert knn.top1_accuracy(I, values, np.array([7, 5])) == 1.0
    assert knn.chance_accuracy(values) == pytest.approx((2 / 4) ** 2 + 2 * (1 / 4) ** 2)


def test_ivfpq_index_past_threshold() -> None:
    rng = np.random.default_rng(0)
    keys = rng.normal(size=(3000, 16)).astype(np.float32)
    index = knn.build_index(keys, ivfpq_threshold=1000)
    assert type(index).__name__ == "IndexIVFPQ"
    D, I = knn.search(index, keys[:50], 5)
    assert (I[:, 0] == np.arange(50)).mean() > 0.5              # approximate, but mostly finds itself
