"""Training the memory decoder: L = β·KL(p_kNN ‖ p_mem) + (1−β)·CE over the datastore's windows.

Windows are the same token lists the datastore ran (so target j of window w is key
``key_off[w] + j``). Progress, cancellation (``should_stop``) and resumable state are plain
callables and files; ``core.decoder`` turns them into Mnemo's jobs.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from models.decoder.config import TrainConfig, resolve_device, use_bf16
from models.decoder.datastore import Datastore
from models.decoder.knn import SparseTargets

ProgressCb = Callable[[int, int, str], None]


class TrainingStopped(RuntimeError):
    """``should_stop`` asked training to stop; the state was saved for ``resume``."""


@dataclass
class Batch:
    x: Any          # (B, T) compact input ids
    y: Any          # (B, T) compact target ids (-100 = padding)
    kl_row: Any     # (nnz,) flat position (b*T + t) of each p_kNN entry
    kl_col: Any     # (nnz,) compact token
    kl_p: Any       # (nnz,) probability
    n_pos: int


def make_batch(ds: Datastore, targets: SparseTargets, wins: np.ndarray, device: str) -> Batch:
    import torch

    vocab = ds.vocab()
    key_off = ds.key_off()
    T = int(max(ds.win_off[w + 1] - ds.win_off[w] for w in wins)) - 1
    B = len(wins)
    x = np.full((B, T), vocab.unk, dtype=np.int64)
    y = np.full((B, T), -100, dtype=np.int64)
    rows, flat = [], []
    for b, w in enumerate(wins):
        toks = vocab.to_compact(ds.window(int(w)))
        n = len(toks) - 1
        x[b, :n] = toks[:-1]
        y[b, :n] = toks[1:]
        rows.append(np.arange(key_off[w], key_off[w] + n))
        flat.append(b * T + np.arange(n))
    rows_a, flat_a = np.concatenate(rows), np.concatenate(flat)
    owner, cols, probs = targets.gather(rows_a)
    t = lambda a, dt=torch.long: torch.as_tensor(a, dtype=dt, device=device)  # noqa: E731
    return Batch(t(x), t(y), t(flat_a[owner]), t(cols), t(probs, torch.float32), int(len(rows_a)))


def decoder_loss(logits: Any, batch: Batch, beta: float) -> tuple[Any, dict[str, float]]:
    """β·KL(p_kNN‖p_mem) + (1−β)·CE, both averaged over real positions."""
    import torch
    import torch.nn.functional as F

    B, T, V = logits.shape
    logp = F.log_softmax(logits.float(), dim=-1).view(B * T, V)            # (B*T, V)
    ce = F.nll_loss(logp, batch.y.view(-1), ignore_index=-100, reduction="sum") / batch.n_pos
    q = logp[batch.kl_row, batch.kl_col]                                     # (nnz,)
    p = batch.kl_p
    kl = (p * (torch.log(p.clamp_min(1e-12)) - q)).sum() / batch.n_pos
    loss = beta * kl + (1.0 - beta) * ce
    return loss, {"loss": float(loss.detach()), "kl": float(kl.detach()), "ce": float(ce.detach())}


@dataclass
class TrainResult:
    steps: int
    epochs_done: int
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)
    device: str = "cpu"


def split_windows_heldout(n_windows: int, heldout_every: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Every ``heldout_every``-th window is held out (none when there are fewer than 4 windows)."""
    idx = np.arange(n_windows)
    if n_windows < 4:
        return idx, np.zeros(0, dtype=np.int64)
    held = idx[heldout_every - 1::heldout_every] if n_windows >= heldout_every else idx[-1:]
    return np.setdiff1d(idx, held), held


HIST = ("loss", "kl", "ce", "heldout_ppl")


def heldout_mixture_ppl(model: Any, ds: Datastore, held_wins: np.ndarray, alpha: float, device: str) -> float:
    """Perplexity of α·p_mem + (1−α)·p_base on the held-out windows (base from the datastore)."""
    key_off = ds.key_off()
    rows = np.concatenate([np.arange(key_off[w], key_off[w + 1]) for w in held_wins])
    mem = decoder_logprobs(model, [ds.window(int(w)) for w in held_wins], ds.vocab(), device)
    return mixture_ppl(ds.base_lp[rows].astype(np.float64), mem, alpha)


@dataclass
class _TrainState:
    """Where training stands; saved with the weights for ``resume``."""

    epochs: int                  # planned (the time budget may lower it)
    epoch: int = 0               # the next epoch to run
    step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    best: dict[str, Any] | None = None
    best_ppl: float = math.inf
    bad: int = 0                 # epochs since the best held-out perplexity


class _Trainer:
    """One ``train_decoder`` call: the optimiser, the schedule, resumable state, held-out selection."""

    def __init__(self, model: Any, ds: Datastore, targets: SparseTargets, n_train: int, cfg: TrainConfig,
                 progress: ProgressCb | None, state_path: Path | None) -> None:
        import torch

        self.model, self.ds, self.targets, self.cfg = model, ds, targets, cfg
        self.progress, self.state_path = progress, state_path
        self.device = resolve_device(cfg.device)
        self.bf16 = use_bf16(cfg.bf16, self.device)
        model.to(self.device)
        torch.manual_seed(cfg.seed)
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.opt = torch.optim.AdamW(self.params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay,
                                     betas=(0.9, 0.98))
        self.steps_per_epoch = max(1, math.ceil(n_train / cfg.batch_windows))
        self.st = _TrainState(epochs=max(cfg.epochs, math.ceil(cfg.min_steps / self.steps_per_epoch)))

    @property
    def total(self) -> int:
        return self.steps_per_epoch * self.st.epochs

    def report(self, text: str) -> None:
        if self.progress is not None:
            self.progress(self.st.step, self.total, text)

    def lr_at(self, s: int) -> float:
        """Linear warm-up, then cosine from the learning rate down to a tenth of it."""
        cfg = self.cfg
        if s < cfg.warmup_steps:
            return cfg.learning_rate * (s + 1) / cfg.warmup_steps
        frac = (s - cfg.warmup_steps) / max(1, self.total - cfg.warmup_steps)
        return cfg.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0))))

    def restore(self) -> None:
        """Continue from the state a stopped or finished run saved at ``state_path``."""
        import torch

        assert self.state_path is not None
        st = torch.load(self.state_path, map_location=self.device, weights_only=True)
        self.model.load_state_dict(st["model"])
        self.opt.load_state_dict(st["opt"])
        self.st = _TrainState(epochs=int(st.get("planned_epochs", self.st.epochs)), epoch=int(st["epoch"]),
                            step=int(st["step"]), history=[dict(zip(HIST, h)) for h in st["history"].tolist()],
                            best=st.get("best") or None, best_ppl=float(st.get("best_ppl", math.inf)),
                            bad=int(st.get("bad", 0)))

    def save(self, epoch: int) -> None:
        """Save resumable state (weights, optimiser, history, best epoch) to start again at ``epoch``."""
        import torch

        if self.state_path is None:
            return
        st = self.st
        hist = torch.tensor([[h.get(k, math.nan) for k in HIST] for h in st.history],
                            dtype=torch.float64).reshape(-1, len(HIST))
        tmp = self.state_path.with_suffix(".tmp")
        torch.save({"model": self.model.state_dict(), "opt": self.opt.state_dict(), "epoch": epoch, "step": st.step,
                    "history": hist, "best": st.best or {}, "best_ppl": st.best_ppl, "bad": st.bad,
                    "planned_epochs": st.epochs}, tmp)
        tmp.replace(self.state_path)

    def step(self, wins: np.ndarray) -> dict[str, float]:
        """One optimiser step on the windows ``wins``; returns loss, kl and ce."""
        import torch

        batch = make_batch(self.ds, self.targets, wins, self.device)
        for g in self.opt.param_groups:
            g["lr"] = self.lr_at(self.st.step)
        with torch.autocast(device_type=self.device, dtype=torch.bfloat16, enabled=self.bf16):
            logits, _ = self.model(batch.x)
        loss, figs = decoder_loss(logits, batch, self.cfg.beta)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        self.st.step += 1
        return figs

    def run_epoch(self, order: np.ndarray, should_stop: Callable[[], bool] | None) -> None:
        """One pass over the windows in ``order``; its mean figures join the history."""
        self.model.train()
        acc = {"loss": 0.0, "kl": 0.0, "ce": 0.0}
        nb = 0
        label = f"epoch {self.st.epoch + 1}"
        for s in range(0, len(order), self.cfg.batch_windows):
            if should_stop is not None and should_stop():
                self.save(self.st.epoch)
                raise TrainingStopped()
            figs = self.step(order[s:s + self.cfg.batch_windows])
            nb += 1
            for k2 in acc:
                acc[k2] += figs[k2]
            self.report(f"{label}/{self.st.epochs} loss {figs['loss']:.3f} (kl {figs['kl']:.3f}, ce {figs['ce']:.3f})")
        self.st.history.append({k2: v / max(nb, 1) for k2, v in acc.items()})

    def select(self, held_wins: np.ndarray) -> bool:
        """Held-out mixture perplexity of this epoch; keeps the best weights. True = patience ran out."""
        st, cfg = self.st, self.cfg
        ppl = heldout_mixture_ppl(self.model, self.ds, held_wins, cfg.select_alpha, self.device)
        st.history[-1]["heldout_ppl"] = ppl
        stop_now = False
        if ppl < st.best_ppl:
            st.best_ppl, st.bad = ppl, 0
            st.best = {k2: v.detach().clone() for k2, v in self.model.state_dict().items()}
        else:
            st.bad += 1
            stop_now = 0 < cfg.patience <= st.bad
        self.report(f"epoch {st.epoch + 1}/{st.epochs}: held-out perplexity with the decoder {ppl:.3f} "
                    f"(best {st.best_ppl:.3f})")
        return stop_now

    def fit_time_budget(self, spent: float, epochs_run: int) -> None:
        """Fit the rest into ``cfg.max_minutes``; the LR schedule follows the new total."""
        per_epoch = spent / epochs_run
        fit = self.st.epoch + 1 + int(max(0.0, self.cfg.max_minutes * 60 - spent) // per_epoch)
        if fit < self.st.epochs:
            self.st.epochs = fit
            self.report(f"the time limit ({self.cfg.max_minutes:g} min) allows {fit} epochs")


def train_decoder(model: Any, ds: Datastore, targets: SparseTargets, train_wins: np.ndarray, cfg: TrainConfig,
                  progress: ProgressCb | None = None, should_stop: Callable[[], bool] | None = None,
                  state_path: Path | None = None, resume: bool = False,
                  held_wins: np.ndarray | None = None) -> TrainResult:
    """Train ``model`` in place; with ``state_path``, save resumable state each epoch and on stop.

    With ``held_wins``, each epoch ends with the held-out mixture perplexity at ``cfg.select_alpha``;
    the model keeps the best epoch's weights and training stops after ``cfg.patience`` epochs
    without a better one (a small decoder on a large corpus needs many epochs, one on a small
    corpus starts to overfit early: the held-out slice decides)."""
    tr = _Trainer(model, ds, targets, len(train_wins), cfg, progress, state_path)
    if resume and state_path is not None and state_path.exists():
        tr.restore()
    st, start_epoch = tr.st, tr.st.epoch
    t0 = time.perf_counter()
    rng = np.random.default_rng(cfg.seed)
    while st.epoch < st.epochs:
        tr.run_epoch(rng.permutation(train_wins), should_stop)
        stop_now = tr.select(held_wins) if held_wins is not None and len(held_wins) else False
        if cfg.max_minutes > 0:
            tr.fit_time_budget(time.perf_counter() - t0, st.epoch + 1 - start_epoch)
        tr.save(st.epoch + 1)
        st.epoch += 1
        if stop_now:
            break
    if st.best:
        model.load_state_dict(st.best)
    model.eval()
    return TrainResult(st.step, len(st.history), time.perf_counter() - t0, st.history, tr.device)


def decoder_logprobs(model: Any, ds_tokens: list[np.ndarray], vocab: Any, device: str = "cpu") -> np.ndarray:
    """log p_mem(next token) for each window (concatenated; −inf where the token is outside the corpus)."""
    import torch
    import torch.nn.functional as F

    out = []
    model.eval()
    with torch.inference_mode():
        for toks in ds_tokens:
            c = vocab.to_compact(toks)
            x = torch.as_tensor(np.minimum(c[:-1], vocab.unk), device=device)[None]
            logp = F.log_softmax(model(x)[0][0].float(), dim=-1)              # (n-1, n_out)
            tgt = c[1:]
            inside = tgt != vocab.unk
            lp = np.full(len(tgt), -np.inf, dtype=np.float64)
            if inside.any():
                lp[inside] = logp[torch.as_tensor(np.nonzero(inside)[0], device=device),
                                  torch.as_tensor(tgt[inside], device=device)].double().cpu().numpy()
            out.append(lp)
    return np.concatenate(out) if out else np.zeros(0)


def mixture_ppl(base_lp: np.ndarray, other_lp: np.ndarray, weight: float) -> float:
    """exp of the mean NLL of weight·p_other + (1−weight)·p_base (log space)."""
    with np.errstate(divide="ignore"):
        a = np.log(weight) + other_lp if weight > 0 else np.full_like(base_lp, -np.inf, dtype=np.float64)
        b = np.log(1 - weight) + base_lp if weight < 1 else np.full_like(base_lp, -np.inf, dtype=np.float64)
    lp = np.logaddexp(a, b)
    return float(np.exp(-lp.mean()))
