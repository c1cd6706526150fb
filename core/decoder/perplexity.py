"""``mnemo eval perplexity``: on held-out text, base vs kNN-LM (the teacher, λ tuned) vs
base + memory decoder at several α, and generation speed with and without the decoder.

Everything is measured in one process, so ratios survive a busy CPU.
"""
from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from core.decoder.corpus import CorpusText
from core.jobs import CancelToken, Progress, ProgressFn, no_progress

if TYPE_CHECKING:
    from core.decoder.pipeline import BuildReport
    from core.ports import ChatModel
    from core.settings.schema import DecoderSettings
    from models.decoder.datastore import Datastore
    from models.decoder.mixing import MemoryDecoderProcessor

ALPHAS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
LAMBDAS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


@dataclass
class PerplexityReport:
    train_tokens: int
    heldout_positions: int
    base_ppl: float
    knn_ppl: float
    knn_lambda: float
    knn_by_lambda: dict[str, float]
    decoder_by_alpha: dict[str, float]
    best_alpha: float
    best_decoder_ppl: float
    decoder_alone_ppl_in_corpus: float
    oov_rate: float
    nn_accuracy: float
    seconds_build: float
    seconds_train: float
    speed: dict[str, float] = field(default_factory=dict)

    @property
    def recovered(self) -> float:
        gain = self.base_ppl - self.knn_ppl
        return (self.base_ppl - self.best_decoder_ppl) / gain if gain > 0 else float("nan")

    def lines(self) -> list[str]:
        out = [f"train tokens {self.train_tokens}, held-out positions {self.heldout_positions}, "
               f"held-out tokens outside the corpus vocabulary {self.oov_rate:.1%}",
               f"alignment: nearest neighbour's next token right {self.nn_accuracy:.1%} (held-out slice of the datastore)",
               f"base perplexity            {self.base_ppl:8.3f}",
               f"kNN-LM perplexity          {self.knn_ppl:8.3f}  (λ={self.knn_lambda}; " +
               ", ".join(f"{k}:{v:.2f}" for k, v in self.knn_by_lambda.items()) + ")"]
        for a, v in self.decoder_by_alpha.items():
            out.append(f"base+decoder α={a}        {v:8.3f}  ({v / self.base_ppl:.3f}× base)")
        out.append(f"best base+decoder          {self.best_decoder_ppl:8.3f}  (α={self.best_alpha}; "
                   f"{self.best_decoder_ppl / self.base_ppl:.3f}× base; recovers {self.recovered:.0%} of kNN-LM's reduction)")
        out.append(f"build {self.seconds_build:.0f} s, train {self.seconds_train:.0f} s")
        if self.speed:
            out.append(f"generation: {self.speed['base_tps']:.2f} tok/s without, {self.speed['decoder_tps']:.2f} tok/s with "
                       f"the decoder (ratio {self.speed['ratio']:.3f}, {self.speed['tokens']:.0f} tokens each, {self.speed['rounds']:.0f} rounds)")
        return out


def evaluate(train_texts: Sequence[CorpusText], heldout_texts: Sequence[CorpusText], model_path: str,
             settings: DecoderSettings, *, llm: ChatModel | None = None, speed_tokens: int = 64, speed_rounds: int = 3,
             work_dir: Path | None = None, reuse_build: bool = False, reuse_decoder: bool = False,
             progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> PerplexityReport:
    """Build and train on ``train_texts``, then measure on ``heldout_texts``. ``settings`` = the decoder section.

    With ``work_dir`` and ``reuse_build``, a datastore already built there is reused (only training reruns)."""
    from models.decoder.checkpoint import load_checkpoint
    from models.decoder.config import resolve_device
    from models.decoder.datastore import Datastore
    from models.decoder.train import decoder_logprobs, mixture_ppl

    tmp = tempfile.TemporaryDirectory(prefix="mnemo-ppl-") if work_dir is None else None
    root = Path(tmp.name) if tmp else Path(work_dir)  # type: ignore[arg-type]
    try:
        b, t_train = _build_and_train(train_texts, model_path, settings, root, reuse_build, reuse_decoder,
                                      progress, cancel)
        ds = Datastore.load(root / "datastore")
        Q, y, base_lp, windows = _heldout_states(heldout_texts, model_path, settings.window, root, progress)
        base = base_lp.astype(np.float64)
        by_lambda = _knn_by_lambda(ds, Q, y, base, settings)
        best_l = min(by_lambda, key=by_lambda.get)  # type: ignore[arg-type]
        ck = load_checkpoint(root / "decoder")
        device = resolve_device(settings.device)
        mem = decoder_logprobs(ck.model(device), windows, ds.vocab(), device)
        by_alpha = {f"{a:.1f}": mixture_ppl(base, mem, a) for a in ALPHAS}
        best_a = min(by_alpha, key=by_alpha.get)  # type: ignore[arg-type]
        inside = np.isfinite(mem)
        rep = PerplexityReport(
            train_tokens=b.n_tokens, heldout_positions=int(len(y)), base_ppl=float(np.exp(-base.mean())),
            knn_ppl=by_lambda[best_l], knn_lambda=float(best_l), knn_by_lambda=by_lambda, decoder_by_alpha=by_alpha,
            best_alpha=float(best_a), best_decoder_ppl=by_alpha[best_a],
            decoder_alone_ppl_in_corpus=float(np.exp(-mem[inside].mean())) if inside.any() else float("nan"),
            oov_rate=float(1 - inside.mean()), nn_accuracy=b.nn_accuracy, seconds_build=b.seconds, seconds_train=t_train)
        if llm is not None and speed_tokens > 0:
            from models.decoder.mixing import MemoryDecoderProcessor

            proc = MemoryDecoderProcessor(ck.model("cpu"), ck.vocab, float(best_a))
            prompt = heldout_texts[0].text[:400] if heldout_texts else "Hello"
            rep.speed = generation_speed(llm, prompt, proc, speed_tokens, speed_rounds)
        return rep
    finally:
        if tmp is not None:
            tmp.cleanup()


def _build_and_train(train_texts: Sequence[CorpusText], model_path: str, settings: DecoderSettings, root: Path,
                     reuse_build: bool, reuse_decoder: bool, progress: ProgressFn,
                     cancel: CancelToken | None) -> tuple[BuildReport, float]:
    """The datastore (built, or reused from ``root``) and the trained decoder; returns the build report and
    the training seconds."""
    from core.decoder import pipeline

    if reuse_build and (root / "datastore" / "build.json").exists():
        b = pipeline.BuildReport(**json.loads((root / "datastore" / "build.json").read_text(encoding="utf-8")))
    else:
        b = pipeline.build([t.text for t in train_texts], model_path, root / "datastore", window=settings.window,
                           k=settings.knn_k, tau_scale=settings.knn_tau_scale,
                           ivfpq_threshold=settings.ivfpq_threshold, progress=progress, cancel=cancel)
    tc = pipeline.train_config(settings)
    t0 = time.perf_counter()
    if not (reuse_decoder and (root / "decoder" / "decoder.json").exists()):
        pipeline.train(root / "datastore", root / "decoder", tc, progress=progress, cancel=cancel)
    return b, time.perf_counter() - t0


def _knn_by_lambda(ds: Datastore, Q: np.ndarray, y: np.ndarray, base: np.ndarray,
                   settings: DecoderSettings) -> dict[str, float]:
    """Perplexity of the kNN-LM (the teacher) mixed with the base model at each λ of ``LAMBDAS``."""
    from models.decoder import knn
    from models.decoder.train import mixture_ppl

    index = knn.build_index(ds.keys, settings.ivfpq_threshold)
    D, I = knn.search(index, Q, min(settings.knn_k, len(ds.keys)))
    knn_lp = knn.knn_logprob(D, I, ds.values, y, float(ds.meta["tau"]))
    return {f"{l:.1f}": mixture_ppl(base, knn_lp, l) for l in LAMBDAS}


def _heldout_states(texts: Sequence[CorpusText], model_path: str, window: int, root: Path, progress: ProgressFn
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """Hidden states, next tokens and base log-probs of the held-out windows (cached in ``root``
    under a hash of the texts, model and window, so repeated evaluations skip the slow pass)."""
    import hashlib

    from models.decoder.datastore import HiddenStateRunner, run_windows, split_windows

    h = hashlib.sha256(f"{model_path}|{window}".encode())
    for t in texts:
        h.update(t.text.encode("utf-8", "replace") + b"\x00")
    cache = root / f"heldout-{h.hexdigest()[:16]}.npz"
    if cache.exists():
        z = np.load(cache)
        wins = [z["tokens"][a:b] for a, b in zip(z["off"][:-1], z["off"][1:])]
        return z["Q"], z["y"], z["base_lp"], wins
    runner = HiddenStateRunner(model_path, window)
    try:
        windows = split_windows([runner.tokenize(t.text) for t in texts if t.text.strip()], window)
        report = lambda d, n, m: progress(Progress(d, n, f"held-out: {m}"))  # noqa: E731
        Q, y, base_lp, _ = run_windows(runner, windows, report)
    finally:
        runner.close()
    off = np.concatenate([[0], np.cumsum([len(w) for w in windows])])
    root.mkdir(parents=True, exist_ok=True)
    np.savez(cache, Q=Q, y=y, base_lp=base_lp, tokens=np.concatenate(windows), off=off)
    return Q, y, base_lp, windows


def generation_speed(llm: ChatModel, prompt: str, processor: MemoryDecoderProcessor, n_tokens: int = 64,
                     rounds: int = 3) -> dict[str, float]:
    """Tokens/s of greedy generation without and with ``processor``, interleaved in one process.

    ``llm`` is a LlamaRuntime (its owner thread runs the work). The prompt is evaluated before
    the clock starts in each run (a 1-token completion warms the cache), so only generation counts.
    """
    def run(use: bool) -> tuple[int, float]:
        def work(l: Any) -> tuple[int, float]:
            l.create_completion(prompt, max_tokens=1, temperature=0.0)       # prompt in the KV cache
            t0 = time.perf_counter()
            out = l.create_completion(prompt, max_tokens=n_tokens, temperature=0.0, repeat_penalty=1.0,
                                      logits_processor=[processor] if use else None)
            return int(out["usage"]["completion_tokens"]), time.perf_counter() - t0
        return llm.call(work)

    base_t = dec_t = 0.0
    base_n = dec_n = 0
    for r in range(rounds):
        for use in ((False, True) if r % 2 == 0 else (True, False)):
            n, t = run(use)
            if use:
                dec_n, dec_t = dec_n + n, dec_t + t
            else:
                base_n, base_t = base_n + n, base_t + t
    btps, dtps = base_n / max(base_t, 1e-9), dec_n / max(dec_t, 1e-9)
    return {"base_tps": btps, "decoder_tps": dtps, "ratio": dtps / btps if btps else float("nan"),
            "tokens": (base_n + dec_n) / (2 * rounds), "rounds": float(rounds),
            "decoder_active": float(processor.error is None)}
