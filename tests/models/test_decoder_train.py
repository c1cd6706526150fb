"""Training on a hand-made datastore: the loss falls, a cancelled run resumes where it stopped."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from models.decoder import knn
from models.decoder.config import DecoderConfig, TrainConfig
from models.decoder.datastore import Datastore
from models.decoder.model import build_model
from models.decoder.train import TrainingStopped, decoder_logprobs, train_decoder

N_VOCAB, E = 40, 8


def toy_store(n_windows: int = 12, length: int = 24) -> Datastore:
    """A repeating "sentence" of tokens; keys = the one-hot of the current token (so kNN = a bigram model)."""
    pattern = np.array([5, 9, 12, 9, 30, 5, 12, 31, 9, 5], dtype=np.int64)
    wins = [np.roll(np.resize(pattern, length), -i) for i in range(n_windows)]
    tokens = np.concatenate(wins)
    win_off = np.concatenate([[0], np.cumsum([len(w) for w in wins])])
    keys = np.concatenate([np.eye(E, dtype=np.float32)[w[:-1] % E] + 0.01 * np.arange(len(w) - 1)[:, None] for w in wins])
    values = np.concatenate([w[1:] for w in wins])
    ids = np.unique(tokens)
    rng = np.random.default_rng(0)
    return Datastore(keys=keys, values=values, base_lp=np.full(len(values), np.log(1 / N_VOCAB), np.float32),
                     tokens=tokens, win_off=win_off, vocab_ids=ids, head=rng.normal(size=(len(ids), E)).astype(np.float32),
                     n_vocab=N_VOCAB, tokenizer_hash="toy", meta={"window": length})


def targets_for(ds: Datastore) -> knn.SparseTargets:
    D, I = knn.search(knn.build_index(ds.keys), ds.keys, 9)
    D, I = knn.drop_self(D, I, np.arange(len(ds.keys)), 8)
    return knn.sparse_targets(D, I, ds.vocab().to_compact(ds.values), tau=0.5)


def model_for(ds: Datastore) -> torch.nn.Module:
    torch.manual_seed(0)
    v = ds.vocab()
    cfg = DecoderConfig(n_in=v.n_out + 1, n_out=v.n_out, n_embd_base=E, d_model=32, n_layer=2, n_head=2,
                        block_size=32, dropout=0.0)
    return build_model(cfg, head=torch.as_tensor(ds.head))


def test_training_lowers_loss_and_perplexity() -> None:
    ds = toy_store()
    m = model_for(ds)
    wins = [ds.window(w) for w in range(ds.n_windows)]
    before = -decoder_logprobs(m, wins, ds.vocab()).mean()
    res = train_decoder(m, ds, targets_for(ds), np.arange(ds.n_windows), TrainConfig(epochs=8, batch_windows=4, min_steps=0,
                        learning_rate=3e-3, warmup_steps=2, device="cpu"))
    after = -decoder_logprobs(m, wins, ds.vocab()).mean()
    assert res.history[-1]["loss"] < res.history[0]["loss"]
    assert after < before - 0.5, (before, after)


def test_cancel_then_resume(tmp_path: Path) -> None:
    ds = toy_store()
    t = targets_for(ds)
    cfg = TrainConfig(epochs=3, batch_windows=4, min_steps=0, device="cpu")
    state = tmp_path / "state.pt"
    calls = {"n": 0}

    def stop_after_4() -> bool:
        calls["n"] += 1
        return calls["n"] > 4

    with pytest.raises(TrainingStopped):
        train_decoder(model_for(ds), ds, t, np.arange(ds.n_windows), cfg, should_stop=stop_after_4, state_path=state)
    assert state.exists()
    saved = torch.load(state, weights_only=True)
    assert saved["step"] == 4 and saved["epoch"] == 1
    res = train_decoder(model_for(ds), ds, t, np.arange(ds.n_windows), cfg, state_path=state, resume=True)
    # 3 steps per epoch; it stopped in epoch 2 and redoes that epoch with the saved weights and optimiser
    assert res.steps == 4 + 2 * 3 and len(res.history) == 3


def test_keeps_the_best_heldout_epoch_and_stops_after_patience(monkeypatch: pytest.MonkeyPatch) -> None:
    from models.decoder import train as train_mod

    ds = toy_store()
    scripted = iter([5.0, 4.0, 4.5, 4.6, 4.7, 3.0, 2.0])     # best at epoch 2, then three worse ones
    snaps: list[dict[str, torch.Tensor]] = []

    def fake_ppl(model, ds_, held, alpha, device):  # type: ignore[no-untyped-def]
        assert list(held) == [11] and alpha == 0.3
        snaps.append({k: v.clone() for k, v in model.state_dict().items()})
        return next(scripted)

    monkeypatch.setattr(train_mod, "heldout_mixture_ppl", fake_ppl)
    m = model_for(ds)
    cfg = TrainConfig(epochs=7, batch_windows=4, min_steps=0, device="cpu", patience=3, select_alpha=0.3)
    res = train_decoder(m, ds, targets_for(ds), np.arange(11), cfg, held_wins=np.array([11]))
    assert res.epochs_done == 5 and [h["heldout_ppl"] for h in res.history] == [5.0, 4.0, 4.5, 4.6, 4.7]
    assert all(torch.equal(v, snaps[1][k]) for k, v in m.state_dict().items())       # epoch 2's weights
    assert not all(torch.equal(v, snaps[4][k]) for k, v in m.state_dict().items())


def test_time_limit_plans_the_epochs_that_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    from models.decoder import train as train_mod

    class Clock:  # every reading is one minute later: each epoch "takes" a minute
        now = 0.0

        def perf_counter(self) -> float:
            self.now += 60.0
            return self.now

    monkeypatch.setattr(train_mod, "time", Clock())
    ds = toy_store()
    messages: list[str] = []
    cfg = TrainConfig(epochs=10, batch_windows=4, min_steps=0, device="cpu", max_minutes=2.5)
    res = train_decoder(model_for(ds), ds, targets_for(ds), np.arange(ds.n_windows), cfg,
                        progress=lambda d, t, m: messages.append(m))
    assert res.epochs_done == 2 and res.steps == 2 * 3
    assert any("allows 2 epochs" in m for m in messages)
