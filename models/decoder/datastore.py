"""The kNN datastore: one key per token position (the base model's final normalised hidden state,
from llama.cpp with ``embedding=True, pooling_type=NONE``) and its next token.

Alignment (the easy bug, see DESIGN.md): a window is run as *exactly* the token list stored
here; hidden state j predicts token j+1 of that list. Keys and values are never re-tokenized.
The same pass stores the base model's log-probability of each next token (for perplexity
figures without a second pass) and accumulates the normal equations that recover the base
model's LM head for the corpus tokens (logits are linear in that hidden state).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from models.decoder.vocab import CompactVocab

ProgressCb = Callable[[int, int, str], None]   # (done, total, message)
StopCb = Callable[[], bool]


class BuildStopped(RuntimeError):
    """``should_stop`` asked the build to stop."""


def split_windows(token_lists: Sequence[Sequence[int]], window: int) -> list[np.ndarray]:
    """Cut each document's tokens into consecutive windows of at most ``window`` tokens (≥ 2 each)."""
    out: list[np.ndarray] = []
    for toks in token_lists:
        arr = np.asarray(toks, dtype=np.int64)
        for s in range(0, len(arr), window):
            w = arr[s:s + window]
            if len(w) >= 2:
                out.append(w)
    return out


class HiddenStateRunner:
    """A second ``Llama`` of the same GGUF, in embedding mode, that returns per-token hidden states."""

    def __init__(self, model_path: str, window: int, n_threads: int = 0, n_gpu_layers: int = 0) -> None:
        import os

        import llama_cpp

        self.window = window
        self.llm = llama_cpp.Llama(
            model_path=model_path, embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_NONE,
            logits_all=True, n_ctx=window, n_batch=window, n_ubatch=window,
            n_threads=n_threads or (os.cpu_count() or 1), n_gpu_layers=n_gpu_layers, verbose=False)
        self.n_embd = int(self.llm.n_embd())
        self.n_vocab = int(self.llm.n_vocab())

    def tokenize(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=True, special=False))

    def vocab_hash(self) -> str:
        from models.llm import vocab_hash

        return vocab_hash(self.llm)

    def run(self, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """tokens (n,) -> hidden states (n, n_embd) float32 and base logits (n, n_vocab) float32 (views: copy to keep)."""
        import llama_cpp

        n = len(tokens)
        assert 0 < n <= self.window
        self.llm.reset()
        self.llm.eval([int(t) for t in tokens])
        ptr = llama_cpp.llama_get_embeddings(self.llm.ctx)
        H = np.ctypeslib.as_array(ptr, shape=(n, self.n_embd))
        return H, self.llm.scores[:n]

    def close(self) -> None:
        try:
            self.llm.close()
        except Exception:
            pass


def picked_logprobs(logits: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """log softmax(logits[j])[picks[j]] for each row j (torch's vectorised logsumexp: a numpy
    log-softmax of every full-vocabulary row cost 9% of the hidden-state pass)."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(logits, dtype=np.float32))
    lse = torch.logsumexp(x, dim=1).numpy()
    return logits[np.arange(len(picks)), picks] - lse


@dataclass
class Datastore:
    """Keys, values and the windows they came from; saved as .npy files in one folder."""

    keys: np.ndarray          # (N, E) float32   hidden state of position j
    values: np.ndarray        # (N,) int64       full id of token j+1
    base_lp: np.ndarray       # (N,) float32     base model's log p(token j+1 | ..j)
    tokens: np.ndarray        # (M,) int64       every window's tokens, concatenated
    win_off: np.ndarray       # (W+1,) int64     window w = tokens[win_off[w]:win_off[w+1]]
    vocab_ids: np.ndarray     # (n_out,) int64   corpus tokens (compact vocabulary)
    head: np.ndarray          # (n_out, E) float32  base LM-head rows of the corpus tokens
    n_vocab: int
    tokenizer_hash: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_windows(self) -> int:
        return len(self.win_off) - 1

    def key_off(self) -> np.ndarray:
        """Window w's keys are keys[key_off[w]:key_off[w+1]] (one fewer than its tokens)."""
        return self.win_off - np.arange(len(self.win_off))

    def window(self, w: int) -> np.ndarray:
        return self.tokens[self.win_off[w]:self.win_off[w + 1]]

    def vocab(self) -> CompactVocab:
        return CompactVocab(self.vocab_ids, self.n_vocab)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("keys", "values", "base_lp", "tokens", "win_off", "vocab_ids", "head"):
            np.save(folder / f"{name}.npy", getattr(self, name))
        info = {"n_vocab": self.n_vocab, "tokenizer_hash": self.tokenizer_hash, "meta": self.meta}
        tmp = folder / "datastore.json.tmp"
        tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
        tmp.replace(folder / "datastore.json")

    @classmethod
    def load(cls, folder: Path, mmap: bool = False) -> "Datastore":
        info = json.loads((folder / "datastore.json").read_text(encoding="utf-8"))
        arrs = {n: np.load(folder / f"{n}.npy", mmap_mode="r" if (mmap and n == "keys") else None)
                for n in ("keys", "values", "base_lp", "tokens", "win_off", "vocab_ids", "head")}
        return cls(**arrs, n_vocab=int(info["n_vocab"]), tokenizer_hash=info["tokenizer_hash"], meta=info.get("meta", {}))


def run_windows(runner: HiddenStateRunner, windows: Sequence[np.ndarray], progress: ProgressCb | None = None,
                should_stop: StopCb | None = None, head_ids: np.ndarray | None = None,
                head_rows: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Run every window; return keys (N, E), values (N,), base log p of the values (N,), and,
    when ``head_ids`` is given, the LM-head rows of those ids solved from the first ``head_rows`` positions."""
    total = int(sum(len(w) - 1 for w in windows))
    E = runner.n_embd
    keys = np.empty((total, E), dtype=np.float32)
    values = np.empty(total, dtype=np.int64)
    base_lp = np.empty(total, dtype=np.float32)
    A = np.zeros((E, E), dtype=np.float64) if head_ids is not None else None
    B = np.zeros((E, len(head_ids)), dtype=np.float64) if head_ids is not None else None
    seen_head = 0
    pos = 0
    t0 = time.perf_counter()
    for toks in windows:
        if should_stop is not None and should_stop():
            raise BuildStopped()
        H, S = runner.run(toks)
        n = len(toks) - 1
        keys[pos:pos + n] = H[:n]                                   # hidden state j ...
        values[pos:pos + n] = toks[1:]                              # ... predicts token j+1
        base_lp[pos:pos + n] = picked_logprobs(S[:n], toks[1:])
        if A is not None and B is not None and head_ids is not None and seen_head < head_rows:
            Hd = H[:len(toks)].astype(np.float64)
            A += Hd.T @ Hd
            B += Hd.T @ np.asarray(S[:len(toks)][:, head_ids], dtype=np.float64)
            seen_head += len(toks)
        pos += n
        if progress is not None:
            rate = pos / max(time.perf_counter() - t0, 1e-9)
            progress(pos, total, f"hidden states: {pos}/{total} tokens ({rate:.0f} tok/s)")
    head = None
    if A is not None and B is not None:
        ridge = 1e-6 * np.trace(A) / E + 1e-9
        head = np.linalg.solve(A + ridge * np.eye(E), B).T.astype(np.float32)   # (n_ids, E)
    return keys, values, base_lp, head


def build_datastore(texts: Sequence[str], model_path: str, window: int, progress: ProgressCb | None = None,
                    should_stop: StopCb | None = None, n_threads: int = 0, n_gpu_layers: int = 0,
                    meta: dict[str, Any] | None = None) -> Datastore:
    """Tokenize ``texts`` with the model, cut windows, run them and return the datastore."""
    runner = HiddenStateRunner(model_path, window, n_threads=n_threads, n_gpu_layers=n_gpu_layers)
    try:
        token_lists = [runner.tokenize(t) for t in texts if t.strip()]
        windows = split_windows(token_lists, window)
        if not windows:
            raise ValueError("the corpus has no text to learn from")
        tokens = np.concatenate(windows)
        win_off = np.concatenate([[0], np.cumsum([len(w) for w in windows])]).astype(np.int64)
        vocab = CompactVocab(tokens, runner.n_vocab)
        keys, values, base_lp, head = run_windows(runner, windows, progress, should_stop, head_ids=vocab.ids,
                                                  head_rows=max(4 * runner.n_embd, 2048))
        assert head is not None
        return Datastore(keys=keys, values=values, base_lp=base_lp, tokens=tokens, win_off=win_off,
                         vocab_ids=vocab.ids, head=head, n_vocab=runner.n_vocab,
                         tokenizer_hash=runner.vocab_hash(), meta=dict(meta or {}))
    finally:
        runner.close()
