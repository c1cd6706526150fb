"""The decoder: loss, KV cache, mixing formula, the processor's error handling, checkpoint and tokenizer guard."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from models.decoder.checkpoint import TokenizerMismatch, load_checkpoint, save_checkpoint
from models.decoder.config import DecoderConfig
from models.decoder.inference import FoldedDecoder
from models.decoder.knn import SparseTargets
from models.decoder.mixing import MemoryDecoderProcessor, mix_logprobs
from models.decoder.model import build_model
from models.decoder.train import Batch, decoder_loss, mixture_ppl
from models.decoder.vocab import CompactVocab

N_VOCAB = 50


def tiny(n_out: int = 6, block: int = 16, head_rank: int = 0) -> torch.nn.Module:
    torch.manual_seed(0)
    cfg = DecoderConfig(n_in=n_out + 1, n_out=n_out, n_embd_base=8, d_model=16, n_layer=2, n_head=2,
                        block_size=block, dropout=0.0, head_rank=head_rank)
    m = build_model(cfg, head=torch.randn(n_out, 8))
    with torch.no_grad():
        m.proj_out.weight.normal_(0, 0.5)   # not the zero init, so outputs depend on the context
    return m.eval()


def test_loss_is_beta_kl_plus_ce() -> None:
    logits = torch.randn(1, 2, 3)
    y = torch.tensor([[0, 2]])
    # p_kNN: position 0 -> {0: .5, 1: .5}; position 1 -> {2: 1.0}
    b = Batch(x=None, y=y, kl_row=torch.tensor([0, 0, 1]), kl_col=torch.tensor([0, 1, 2]),
              kl_p=torch.tensor([0.5, 0.5, 1.0]), n_pos=2)
    lp = torch.log_softmax(logits, -1)[0]
    ce = -(lp[0, 0] + lp[1, 2]) / 2
    kl = ((0.5 * (math.log(0.5) - lp[0, 0]) + 0.5 * (math.log(0.5) - lp[0, 1])) + (0 - lp[1, 2])) / 2
    for beta in (0.0, 0.5, 1.0):
        loss, figs = decoder_loss(logits, b, beta)
        assert float(loss) == pytest.approx(float(beta * kl + (1 - beta) * ce), rel=1e-5)
    assert figs["kl"] == pytest.approx(float(kl), rel=1e-5) and figs["ce"] == pytest.approx(float(ce), rel=1e-5)


@pytest.mark.parametrize("head_rank", [0, 3])
def test_incremental_kv_cache_matches_full_forward(head_rank: int) -> None:
    m = tiny(head_rank=head_rank)
    assert m.head_weight().shape == (6, head_rank or 8)
    x = torch.tensor([[1, 4, 2, 6, 0, 3, 5]])       # 6 = unknown slot
    with torch.no_grad():
        full, _ = m(x)
        a, past = m(x[:, :4])
        b, past = m(x[:, 4:5], past=past, pos0=4)
        c, _ = m(x[:, 5:], past=past, pos0=5)
    inc = torch.cat([a, b, c], 1)
    assert torch.allclose(full, inc, atol=1e-5)


@pytest.mark.parametrize("head_rank", [0, 3])
def test_folded_generation_form_matches_the_model(head_rank: int) -> None:
    m = tiny(head_rank=head_rank)
    with torch.no_grad():
        m.wpe.weight.normal_(0, 0.5)        # positions matter, so an off-by-one would show
    x = torch.tensor([1, 4, 2, 6, 0, 3, 5, 2, 2])
    with torch.no_grad():
        full, _ = m(x[None])
    fast = FoldedDecoder(m, weight_dtype=torch.float32)
    got = [fast.feed(x[:4])]                                    # a prompt, then one token at a time
    got += [fast.feed(x[i:i + 1]) for i in range(4, 7)]
    got += [fast.feed(x[7:])]                                   # two at once after a cache
    want = full[0, [3, 4, 5, 6, 8]]
    assert torch.allclose(torch.stack(got), want, atol=1e-4)
    fast.reset()
    assert torch.allclose(fast.feed(x[:2]), full[0, 1], atol=1e-4)
    with pytest.raises(ValueError, match="block_size"):
        fast.feed(torch.zeros(16, dtype=torch.long))
    static = FoldedDecoder(m, weight_dtype=torch.float32, static_steps=True)   # the GPU's fixed-shape step
    got = [static.feed(x[:4])] + [static.feed(x[i:i + 1]) for i in range(4, 9)]
    assert torch.allclose(torch.stack(got), full[0, 3:], atol=1e-4)
    half = FoldedDecoder(m)                                     # the CPU default: float16 matrices
    assert half.out_w.dtype == torch.float16
    assert torch.allclose(half.feed(x), full[0, -1], atol=2e-2)


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    return x - (x.max() + np.log(np.exp(x - x.max()).sum()))


def test_mixing_sums_to_one_and_alpha_zero_is_base() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=N_VOCAB).astype(np.float32) * 3
    ids = np.array([3, 10, 11, 40])
    mem = np.log(np.array([0.7, 0.1, 0.1, 0.1], dtype=np.float32))
    for alpha in (0.0, 0.3, 0.6, 1.0):
        out = mix_logprobs(base, mem, ids, alpha)
        assert np.exp(out.astype(np.float64)).sum() == pytest.approx(1.0, abs=1e-5)
    out0 = mix_logprobs(base, mem, ids, 0.0)
    assert int(out0.argmax()) == int(base.argmax())
    np.testing.assert_allclose(out0, log_softmax(base), atol=1e-5)
    out = mix_logprobs(base, mem, ids, 0.6)
    pb = np.exp(log_softmax(base).astype(np.float64))
    assert math.exp(out[3]) == pytest.approx(0.6 * 0.7 + 0.4 * pb[3], rel=1e-5)
    assert math.exp(out[0]) == pytest.approx(0.4 * pb[0], rel=1e-5)        # outside the corpus: base only
    assert mixture_ppl(np.log([0.5]), np.log([1.0]), 0.5) == pytest.approx(1 / 0.75)


def test_processor_uses_cache_and_catches_errors() -> None:
    vocab = CompactVocab([3, 10, 11, 40, 41, 42], N_VOCAB)
    proc = MemoryDecoderProcessor(tiny(), vocab, alpha=0.5)
    scores = np.zeros(N_VOCAB, dtype=np.float32)
    ids = [3, 10, 7]
    out1 = proc(np.array(ids, dtype=np.intc), scores)
    out2 = proc(np.array(ids + [11], dtype=np.intc), scores)
    assert proc.stream._pos == 4 and proc.calls == 2                        # one new token fed, not four
    fresh = MemoryDecoderProcessor(tiny(), vocab, alpha=0.5)
    np.testing.assert_allclose(out2, fresh(np.array(ids + [11], dtype=np.intc), scores), atol=1e-5)
    assert not np.allclose(out1, out2)
    # a long context slides instead of overflowing block_size
    long = np.arange(40, dtype=np.intc) % N_VOCAB
    assert np.isfinite(proc(long, scores)).any() and proc.active
    # errors are caught, reported once, and the processor steps aside
    seen: list[BaseException] = []
    bad = MemoryDecoderProcessor(tiny(), vocab, alpha=0.5, on_error=seen.append)
    wrong = np.zeros(N_VOCAB + 5, dtype=np.float32)
    got = bad(np.array([3], dtype=np.intc), wrong)
    assert got is wrong and not bad.active and len(seen) == 1 and "expects" in str(seen[0])
    assert bad(np.array([3], dtype=np.intc), scores) is scores                # off for good


def test_checkpoint_round_trip_and_tokenizer_guard(tmp_path: Path) -> None:
    m = tiny(head_rank=3)
    vocab = CompactVocab([3, 10, 11, 40, 41, 42], N_VOCAB)
    save_checkpoint(tmp_path, m, vocab, "abc123", {"model_name": "tiny.gguf", "heldout": {"base_ppl": 9.0}})
    ck = load_checkpoint(tmp_path)
    assert ck.tokenizer_hash == "abc123" and ck.record["heldout"]["base_ppl"] == 9.0
    assert ck.vocab.ids.tolist() == vocab.ids.tolist() and ck.config == m.cfg
    x = torch.tensor([[0, 1, 2]])
    with torch.no_grad():
        assert torch.allclose(ck.model()(x)[0], m(x)[0])
    ck.check_tokenizer("abc123")
    with pytest.raises(TokenizerMismatch, match="abc123"):
        ck.check_tokenizer("other", "other.gguf")


def test_sparse_targets_save_load(tmp_path: Path) -> None:
    t = SparseTargets(np.array([0, 2, 3]), np.array([1, 4, 2], dtype=np.int32), np.array([.5, .5, 1.], dtype=np.float32), 0.7)
    t.save(tmp_path / "t.npz")
    u = SparseTargets.load(tmp_path / "t.npz")
    assert u.tau == 0.7 and u.row(1)[0].tolist() == [2]
