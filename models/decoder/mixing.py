"""Mixing the decoder into generation: p = α·p_mem + (1−α)·p_base, in log space, as a
llama-cpp-python logits processor with the decoder's own incremental KV cache.

llama-cpp-python swallows exceptions raised inside a processor (it runs as a C callback) and
then samples unmixed: the processor catches everything itself, turns itself off, keeps the
error and calls ``on_error`` so the application can tell the user.
"""
from __future__ import annotations

import logging
import math
from typing import Any, Callable

import numpy as np

from models.decoder.vocab import CompactVocab
from models.threads import one_thread

log = logging.getLogger(__name__)


class DecoderStream:
    """Runs the decoder incrementally over a growing token list, keeping its KV cache.

    When the list stops being an extension of what was fed (a new prompt), or would overflow
    the decoder's ``block_size``, it restarts on the last ``block_size // 2`` tokens.
    """

    def __init__(self, model: Any, vocab: CompactVocab, device: str = "cpu") -> None:
        from models.decoder.inference import FoldedDecoder

        self.model = model
        self.vocab = vocab
        self.device = device
        self.block = int(model.cfg.block_size)
        self.fast = FoldedDecoder(model, device)
        self.reset()

    @property
    def _pos(self) -> int:
        return self.fast.pos

    def reset(self) -> None:
        self._seen = np.zeros(0, dtype=np.int64)   # full ids the caller has passed
        self.fast.reset()
        self._last: Any = None

    def _feed(self, full_ids: np.ndarray) -> None:
        import torch

        x = torch.as_tensor(self.vocab.to_compact(full_ids), device=self.device)
        self._last = self.fast.feed(x)

    def next_logprobs(self, input_ids: np.ndarray) -> Any:
        """log p_mem (n_out,) of the token after ``input_ids`` (full ids), a float32 CPU tensor."""
        import torch

        ids = np.asarray(input_ids, dtype=np.int64)
        n = len(self._seen)
        with torch.inference_mode():
            if n and len(ids) == n and self._last is not None and np.array_equal(ids, self._seen):
                return torch.log_softmax(self._last, dim=-1).cpu()
            if n == 0 or len(ids) < n or not np.array_equal(ids[:n], self._seen):
                self.reset()
                n = 0
            new = ids[n:]
            if self._pos + len(new) > self.block:
                self.reset()
                new = ids[-min(len(ids), self.block // 2):]
            if len(new):
                self._feed(new)
            self._seen = ids.copy()
            return torch.log_softmax(self._last, dim=-1).cpu()


def mix_logprobs(base_logits: np.ndarray, mem_logp: Any, vocab_ids: Any, alpha: float) -> np.ndarray:
    """Full-vocabulary log p of the mixture: base_logits (V,) raw, mem_logp (n_out,) log-probs over
    ``vocab_ids`` (tensors or arrays). In torch: one pass fewer over the vocabulary than a
    log-softmax then a shift, and a vectorised exp."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(base_logits, dtype=np.float32))
    if alpha <= 0.0:
        return (x - torch.logsumexp(x, 0)).numpy()
    if alpha >= 1.0:
        out = torch.full_like(x, -math.inf)
    else:
        out = x - (torch.logsumexp(x, 0) - math.log1p(-alpha))
    ids = torch.as_tensor(vocab_ids)
    out[ids] = torch.logaddexp(out[ids], torch.as_tensor(mem_logp, dtype=torch.float32) + math.log(alpha))
    return out.numpy()


def _single_threaded(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn`` with one torch thread: per-token decoder steps are tiny, and extra threads
    only fight llama.cpp's own threads for the cores (measured 14x slower on 2 busy cores)."""
    with one_thread():
        return fn(*args)


class MemoryDecoderProcessor:
    """A llama-cpp-python logits processor: ``(input_ids, scores) -> mixed log-probs``."""

    def __init__(self, model: Any, vocab: CompactVocab, alpha: float, device: str = "cpu",
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        import torch

        self.stream = DecoderStream(model, vocab, device)
        self._ids_t = torch.as_tensor(vocab.ids)
        self.alpha = float(alpha)
        self.on_error = on_error
        self.error: BaseException | None = None
        self.calls = 0

    @property
    def active(self) -> bool:
        return self.error is None

    def _mix(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return mix_logprobs(scores, self.stream.next_logprobs(input_ids), self._ids_t, self.alpha)

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        if self.error is not None:
            return scores
        try:
            if scores.shape[0] != self.stream.vocab.n_vocab:
                raise ValueError(f"the model gives {scores.shape[0]} logits but the decoder expects {self.stream.vocab.n_vocab}")
            out = _single_threaded(self._mix, input_ids, scores)
            self.calls += 1
            return out
        except Exception as exc:  # llama-cpp-python would swallow it: record, switch off, report
            self.error = exc
            log.exception("memory decoder failed; it is off for this session")
            if self.on_error is not None:
                try:
                    self.on_error(exc)
                except Exception:
                    log.exception("on_error handler failed")
            return scores
