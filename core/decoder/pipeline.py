"""Build and train steps of the memory decoder as Mnemo jobs (progress + cancel, raise Cancelled).

``build``: corpus texts -> datastore (hidden states, next tokens) -> FAISS -> sparse kNN
targets (the position itself excluded), saved under one folder, with the nearest-neighbour
accuracy on a held-out slice as the alignment check. ``train``: datastore + targets ->
decoder checkpoint with held-out figures.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from core.errors import Cancelled, MnemoError
from core.jobs import CancelToken, Progress, ProgressFn, no_progress

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    n_texts: int
    n_tokens: int
    n_keys: int
    n_out: int
    index: str
    k: int
    tau: float
    nn_accuracy: float      # nearest neighbour's next token right, held-out slice
    chance: float           # the same for two random positions
    seconds: float
    seconds_hidden: float
    seconds_knn: float
    tokenizer_hash: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TrainReport:
    steps: int
    epochs: int
    seconds: float
    device: str
    n_params: int
    heldout: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)


def _cb(progress: ProgressFn, cancel: CancelToken | None, stage: str):
    def report(done: int, total: int, message: str) -> None:
        progress(Progress(done, total, f"{stage}: {message}"))
    def stop() -> bool:
        return bool(cancel is not None and cancel.cancelled)
    return report, stop


def build(texts: Sequence[str], model_path: str, folder: Path, *, window: int = 256, k: int = 256,
          tau_scale: float = 0.3, ivfpq_threshold: int = 200_000, n_threads: int = 0, n_gpu_layers: int = 0,
          meta: dict[str, Any] | None = None, progress: ProgressFn = no_progress,
          cancel: CancelToken | None = None) -> BuildReport:
    from models.decoder import knn
    from models.decoder.datastore import BuildStopped, build_datastore

    t0 = time.perf_counter()
    report, stop = _cb(progress, cancel, "build")
    try:
        ds = build_datastore(list(texts), model_path, window, report, stop, n_threads=n_threads,
                             n_gpu_layers=n_gpu_layers, meta=meta)
    except BuildStopped:
        raise Cancelled("Building the datastore was cancelled; nothing was changed.") from None
    except ValueError as exc:
        raise MnemoError(f"Cannot build the memory decoder's datastore: {exc}.",
                         "Import documents or chat first, then run 'mnemo decoder build' again.") from exc
    t_hidden = time.perf_counter() - t0
    N = len(ds.keys)
    if N < 16:
        raise MnemoError(f"The corpus has only {N} token positions; the memory decoder needs more text.",
                         "Import documents or chat more, then build again.")
    index = knn.build_index(ds.keys, ivfpq_threshold)
    kk = min(k, N - 1)
    try:
        D, I = knn.search(index, ds.keys, kk + 1, progress=report, should_stop=stop)
    except KeyboardInterrupt:
        raise Cancelled("Building the datastore was cancelled; nothing was changed.") from None
    D, I = knn.drop_self(D, I, np.arange(N), kk)
    tau = tau_scale * knn.median_nearest(D)
    vocab = ds.vocab()
    targets = knn.sparse_targets(D, I, vocab.to_compact(ds.values), tau)
    acc, chance = _heldout_nn_accuracy(ds, I)
    folder.mkdir(parents=True, exist_ok=True)
    ds.meta.update({"k": kk, "tau": tau, "tau_scale": tau_scale, "window": window})
    ds.save(folder)
    targets.save(folder / "targets.npz")
    rep = BuildReport(n_texts=len(texts), n_tokens=int(len(ds.tokens)), n_keys=N, n_out=vocab.n_out,
                      index=type(index).__name__, k=kk, tau=float(tau), nn_accuracy=acc, chance=chance,
                      seconds=time.perf_counter() - t0, seconds_hidden=t_hidden,
                      seconds_knn=time.perf_counter() - t0 - t_hidden, tokenizer_hash=ds.tokenizer_hash)
    (folder / "build.json").write_text(json.dumps(rep.to_json(), indent=2), encoding="utf-8")
    return rep


def _heldout_nn_accuracy(ds: Any, I: np.ndarray, every: int = 20) -> tuple[float, float]:
    """Top-1 accuracy of the nearest neighbour outside the query's own window, on every
    ``every``-th window (a held-out slice: its own window's keys are ignored)."""
    from models.decoder import knn

    key_off = ds.key_off()
    wins = range(every - 1, ds.n_windows, every) if ds.n_windows >= every else range(ds.n_windows - 1, ds.n_windows)
    rows = np.concatenate([np.arange(key_off[w], key_off[w + 1]) for w in wins]) if len(wins) else np.zeros(0, np.int64)
    if rows.size == 0:
        return 0.0, knn.chance_accuracy(ds.values)
    win_of = np.searchsorted(key_off, np.arange(len(ds.keys)), side="right") - 1
    Ir = I[rows]
    same = (Ir >= 0) & (win_of[np.maximum(Ir, 0)] == win_of[rows][:, None])
    Ir = np.where(same, -1, Ir)
    first = np.argmax(Ir >= 0, axis=1)
    nn = Ir[np.arange(len(rows)), first]
    ok = (nn >= 0) & (ds.values[np.maximum(nn, 0)] == ds.values[rows])
    return float(ok.mean()), knn.chance_accuracy(ds.values)


def train_config(d: Any, **overrides: Any) -> Any:
    """The TrainConfig the ``decoder`` settings section ``d`` asks for (``overrides`` win)."""
    from models.decoder.config import TrainConfig

    fields = dict(beta=d.beta, epochs=d.epochs, learning_rate=d.learning_rate, device=d.device,
                  select_alpha=d.alpha, max_minutes=d.max_train_minutes)
    return TrainConfig(**{**fields, **overrides})


def default_config(ds: Any, block_size: int, device: str) -> Any:
    """Decoder size: small on a CPU, wider and deeper on a GPU.

    Measured on LoCoMo (20.8k training tokens, SmolLM2-135M): d_model 256, 3 layers, 30 epochs
    -> base+decoder 0.750x base perplexity (79% of kNN-LM's gain), 0.92x generation speed;
    d_model 128, 2 layers (first session, 240 steps) -> 0.822x (56%). Generation reads the
    layers and the folded (n_out x d_model) output matrix every token, so d_model sets the cost."""
    from models.decoder.config import DecoderConfig

    big = device == "cuda"
    return DecoderConfig(n_in=ds.vocab().n_out + 1, n_out=ds.vocab().n_out, n_embd_base=int(ds.keys.shape[1]),
                         d_model=512 if big else 256, n_layer=6 if big else 3, n_head=8 if big else 4,
                         block_size=block_size, dropout=0.1, head_rank=0)


def train(folder: Path, out: Path, train_cfg: Any, *, resume: bool = False, record: dict[str, Any] | None = None,
          decoder_cfg: Any = None, progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> TrainReport:
    from models.decoder.checkpoint import save_checkpoint
    from models.decoder.config import resolve_device
    from models.decoder.datastore import Datastore
    from models.decoder.fresh import fresh_decoder
    from models.decoder.knn import SparseTargets
    from models.decoder.train import TrainingStopped, split_windows_heldout, train_decoder

    if not (folder / "datastore.json").exists():
        raise MnemoError("There is no datastore to train from.", "Run 'mnemo decoder build' first.")
    ds = Datastore.load(folder)
    targets = SparseTargets.load(folder / "targets.npz")
    device = resolve_device(train_cfg.device)
    vocab = ds.vocab()
    window = int(ds.meta.get("window", 256))
    cfg = decoder_cfg or default_config(ds, window, device)
    counts = np.bincount(vocab.to_compact(ds.values), minlength=vocab.n_out).astype(np.float64) + 0.1
    model = fresh_decoder(cfg, ds.head, np.log(counts / counts.sum()))
    tr, held = split_windows_heldout(ds.n_windows)
    report, stop = _cb(progress, cancel, "train")
    out.mkdir(parents=True, exist_ok=True)
    try:
        res = train_decoder(model, ds, targets, tr, train_cfg, report, stop, state_path=out / "train_state.pt",
                            resume=resume, held_wins=held)
    except TrainingStopped:
        raise Cancelled("Training was cancelled; run 'mnemo decoder train --resume' to continue.") from None
    heldout = heldout_figures(model, ds, held, device)
    rec = {**(record or {}), "train": train_cfg.to_json(), "heldout": heldout, "history": res.history,
           "corpus": {**ds.meta, "n_tokens": int(len(ds.tokens)), "n_windows": ds.n_windows}}
    save_checkpoint(out, model.to("cpu"), vocab, ds.tokenizer_hash, rec)
    (out / "train_state.pt").unlink(missing_ok=True)
    return TrainReport(res.steps, res.epochs_done, res.seconds, res.device, model.n_trainable(), heldout, res.history)


def heldout_figures(model: Any, ds: Any, held: np.ndarray, device: str) -> dict[str, Any]:
    """Perplexities on the held-out windows: base, decoder alone, mixtures at several α."""
    from models.decoder.train import decoder_logprobs, mixture_ppl

    if len(held) == 0:
        return {}
    key_off = ds.key_off()
    rows = np.concatenate([np.arange(key_off[w], key_off[w + 1]) for w in held])
    base = ds.base_lp[rows].astype(np.float64)
    mem = decoder_logprobs(model, [ds.window(int(w)) for w in held], ds.vocab(), device)
    figs: dict[str, Any] = {"positions": int(len(rows)), "base_ppl": float(np.exp(-base.mean())),
            "decoder_ppl_in_corpus": float(np.exp(-mem[np.isfinite(mem)].mean())) if np.isfinite(mem).any() else None}
    figs["mixed_ppl"] = {f"{a:.1f}": mixture_ppl(base, mem, a) for a in (0.2, 0.4, 0.6, 0.8)}
    return figs
