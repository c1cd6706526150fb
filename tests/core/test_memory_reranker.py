"""The reranker: REINFORCE moves an always-cited memory up; weights persist; Gumbel top-M sampling."""
from __future__ import annotations

import numpy as np

from core.memory.reranker import Reranker


def _unit(rng, n, d):
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_always_cited_memory_rises():
    rng = np.random.default_rng(0)
    d, K, target = 32, 10, 7
    M = _unit(rng, K, d)
    r = Reranker(d)
    queries = _unit(rng, 50, d)
    before = [float(np.argsort(-r.scores(q, M)).tolist().index(target)) for q in queries]
    for step in range(300):
        q = queries[step % 50]
        s = r.scores(q, M)
        shown = r.sample(s, 3, 0.5, rng)
        r.update(q, M, None, shown, [1.0 if i == target else -1.0 for i in shown], lr=1e-2, baseline=0.5, tau=0.5)
    after = [float(np.argsort(-r.scores(q, M)).tolist().index(target)) for q in queries]
    assert np.mean(after) < np.mean(before) - 1.5        # ranked clearly higher on average
    assert np.median(after) <= 1                          # first or second for most queries


def test_update_ascends_the_reinforce_objective():
    rng = np.random.default_rng(4)
    M, q = _unit(rng, 8, 12), _unit(rng, 1, 12)[0]
    prior, kinds = rng.random(8).astype(np.float32), np.array([0, 1, 2, 0, 1, 2, 0, 1])
    r = Reranker(12, beta0=0.5)
    r.W_q[:] = 0.1 * rng.normal(size=(12, 12))
    r.W_m[:] = 0.1 * rng.normal(size=(12, 12))
    shown, rewards = [1, 4, 6], [1.0, -1.0, 1.0]

    def objective():
        z = r.scores(q, M, prior, kinds) / 0.5
        logp = z - np.log(np.exp(z - z.max()).sum()) - z.max()
        return sum((rw - 0.5) * logp[i] for i, rw in zip(shown, rewards))

    before = objective()
    r.update(q, M, prior, shown, rewards, lr=1e-3, baseline=0.5, tau=0.5, kinds=kinds)
    assert objective() > before


def test_uncited_items_are_pushed_down_with_prior_and_kind_bias():
    rng = np.random.default_rng(1)
    M = _unit(rng, 6, 16)
    q = _unit(rng, 1, 16)[0]
    r = Reranker(16, beta0=1.0)
    prior = np.linspace(1, 0, 6).astype(np.float32)
    kinds = np.array([0, 1, 0, 1, 0, 1])
    s0 = r.scores(q, M, prior, kinds)
    for _ in range(50):
        r.update(q, M, prior, [0, 1], [-1.0, -1.0], lr=1e-2, kinds=kinds)
    s1 = r.scores(q, M, prior, kinds)
    assert s1[0] - s0[0] < 0 and s1[1] - s0[1] < 0        # shown, never cited: lower
    assert (s1[2:] - s0[2:]).mean() > (s1[:2] - s0[:2]).mean()


def test_weights_persist_across_restarts(tmp_path):
    rng = np.random.default_rng(2)
    path = tmp_path / "models" / "reranker.safetensors"
    r = Reranker(8, path)
    M, q = _unit(rng, 5, 8), _unit(rng, 1, 8)[0]
    for _ in range(5):
        r.update(q, M, np.ones(5, np.float32), [0, 2], [1.0, -1.0], lr=0.05, kinds=np.zeros(5, int))
    r.save()
    again = Reranker(8, path)
    assert again.updates == 5
    np.testing.assert_allclose(again.scores(q, M, np.ones(5, np.float32), np.zeros(5, int)),
                               r.scores(q, M, np.ones(5, np.float32), np.zeros(5, int)), rtol=1e-6)
    other = Reranker(16, path)                            # another embedder's dimension: start fresh
    assert other.updates == 0 and not other.W_q.any()


def test_gumbel_sampling_is_greedy_at_low_temperature_and_varies_at_high():
    s = np.array([0.1, 0.9, 0.5, 0.8, 0.2], np.float32)
    rng = np.random.default_rng(3)
    assert Reranker.sample(s, 3, 1e-4, rng) == [1, 3, 2]
    picks = {tuple(Reranker.sample(s, 2, 5.0, rng)) for _ in range(50)}
    assert len(picks) > 3


def test_scripted_citations_move_the_cited_signal_up_on_new_queries(tmp_path):
    """Across questions the model always cites the candidate the turn keyword ranking placed first (not the one
    the fusion put first): the learnt signal weight ranks such a candidate higher for queries never seen."""
    from core.memory.reranker import SIGNALS

    rng = np.random.default_rng(5)
    d, K = 16, 8
    kw = SIGNALS.index("turn_kw")

    def episode():
        M, q = _unit(rng, K, d), _unit(rng, 1, d)[0]
        prior = np.linspace(1, 0, K).astype(np.float32)       # fusion order 0, 1, 2, ...
        sig = np.zeros((K, len(SIGNALS)), np.float32)
        target = int(rng.integers(3, K))                      # ranked low by the fusion
        sig[target, kw] = 1.0
        return q, M, prior, sig, target

    r = Reranker(d, tmp_path / "reranker.safetensors")
    test = [episode() for _ in range(30)]
    rank = lambda rr, e: int(np.argsort(-rr.scores(e[0], e[1], e[2], np.ones(K, int), e[3])).tolist().index(e[4]))  # noqa: E731
    before = np.mean([rank(r, e) for e in test])
    for _ in range(200):                                      # the scripted chat: show 5, the model cites the target
        q, M, prior, sig, target = episode()
        shown = r.sample(r.scores(q, M, prior, np.ones(K, int), sig), 5, 0.5, rng)
        r.update(q, M, prior, shown, [1.0 if i == target else -1.0 for i in shown], lr=1e-2, kinds=np.ones(K, int),
                 signals=sig)
    after = np.mean([rank(r, e) for e in test])
    assert before >= 3 and after < 1                          # from below the shown five to first
    assert r.w_sig[kw] > 0 and r.w_sig[kw] == r.w_sig.max()
    r.save()
    again = Reranker(d, tmp_path / "reranker.safetensors")    # persisted: the next session starts where this one ended
    np.testing.assert_array_equal(again.w_sig, r.w_sig)
    assert np.mean([rank(again, e) for e in test]) == after


def test_untrained_reranker_gives_exactly_the_fused_order():
    """Zero adapters and signal weights: the prior alone orders, ties kept in fused order, so learning only adds."""
    from core.memory.reranker import SIGNALS

    rng = np.random.default_rng(6)
    K, d = 20, 24
    M, q = _unit(rng, K, d), _unit(rng, 1, d)[0]
    prior = np.sort(rng.random(K).astype(np.float32))[::-1].copy()
    prior[5:8] = prior[5]                                   # a tie stays in fused order
    sig = rng.random((K, len(SIGNALS))).astype(np.float32)
    s = Reranker(d).scores(q, M, prior, np.ones(K, int), sig)
    assert np.argsort(-s, kind="stable").tolist() == list(range(K))


def test_pairwise_step_lifts_cited_signals_and_ignores_answers_that_cite_nothing():
    from core.memory.reranker import SIGNALS

    rng = np.random.default_rng(7)
    K, d = 6, 8
    M, q = _unit(rng, K, d), _unit(rng, 1, d)[0]
    prior = np.linspace(1, 0, K).astype(np.float32)
    sig = np.zeros((K, len(SIGNALS)), np.float32)
    sig[4, SIGNALS.index("speaker")] = 1.0
    r = Reranker(d)
    r.update(q, M, prior, [0, 1, 2], [-1.0, -1.0, -1.0], kinds=np.ones(K, int), signals=sig)
    assert r.beta == 1.0 and not r.w_sig.any()              # [NO_CITE]: nothing about which signal to trust
    for _ in range(40):
        r.update(q, M, prior, [0, 4, 1], [-1.0, 1.0, -1.0], kinds=np.ones(K, int), signals=sig)
    order = np.argsort(-r.scores(q, M, prior, np.ones(K, int), sig)).tolist()
    assert order[0] == 4 and r.w_sig[SIGNALS.index("speaker")] > 0


def test_a_weights_file_from_before_the_new_signals_still_loads(tmp_path):
    """An older file (six signals, no form): its matrices, β, biases and the weights of signals still known load;
    signals it lacks start at zero."""
    from safetensors.numpy import save_file

    from core.memory.reranker import SIGNALS

    d = 8
    path = tmp_path / "reranker.safetensors"
    W = np.full((d, d), 0.01, np.float32)
    save_file({"W_q": W, "W_m": W, "beta": np.array([1.5], np.float32), "bias": np.array([0.1, 0.2, 0.3], np.float32),
               "w_sig": np.arange(1, 7, dtype=np.float32)}, str(path),
              metadata={"dim": str(d), "updates": "9", "signals": "mem_kw,mem_dense,turn_kw,turn_dense,turns,speaker"})
    r = Reranker(d, path)
    assert r.updates == 9 and r.beta == 1.5 and np.allclose(r.W_q, 0.01)
    np.testing.assert_allclose(r.bias, [0.1, 0.2, 0.3])
    w = dict(zip(SIGNALS, r.w_sig.tolist()))
    assert w["mem_kw"] == 1 and w["speaker"] == 6 and w["overlap"] == 0 and w["neighbour"] == 0
    r.save()
    assert np.allclose(Reranker(d, path).w_sig, r.w_sig)
    save_file({"W_q": W, "W_m": W, "beta": np.array([1.0], np.float32)}, str(path), metadata={"dim": str(d)})
    assert not Reranker(d, path).w_sig.any()                # the oldest files: two matrices and β
