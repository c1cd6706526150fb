"""The decoder's generation form: the same function as ``MemoryDecoder`` in eval mode, with its
linear pieces folded together and a preallocated KV cache, so one generated token costs as
few bytes and torch calls as possible (the per-token cost decides the speed ratio).

Folds (exact up to float rounding, checked by tests against ``MemoryDecoder.forward``):
- input:  ``proj_in(wte[i] * in_scale)`` for every input id is one table (n_in, d_model);
- output: ``proj_out`` then the (n_out, E) head is one (n_out, d_model) matrix, and only the
  last position is scored.

On a GPU a single-token step is launch-bound (about a hundred small kernels), so it runs as
one CUDA graph: the step is written with fixed shapes (attention over the whole block with a
mask of the filled positions, the position as a tensor) and captured once; prompts (several
tokens) take the eager path. A capture that fails falls back to eager steps.

On a CPU the matrices are kept in float16 (``weight_dtype``): llama.cpp streams its own
weights through the caches between two decoder steps, so the decoder's weights come from
memory every token and half the bytes is nearly half the time (measured: the 8105×256 output
matrix 0.67 ms in float32, 0.24 ms in float16, cold cache, one thread). Layer norms, the
residual stream and the KV cache stay float32; logits differ from float32 by about 1e-2.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F


class FoldedDecoder:
    """Incremental inference over one sequence: ``feed(ids)`` -> logits (n_out,) after the last id."""

    def __init__(self, model: Any, device: str | torch.device = "cpu", weight_dtype: torch.dtype | None = None,
                 static_steps: bool | None = None) -> None:
        cfg = model.cfg
        self.cfg = cfg
        self.n_head = int(cfg.n_head)
        self.block = int(cfg.block_size)
        d = int(cfg.d_model)
        hd = d // self.n_head
        dev = torch.device(device)
        self.wd = weight_dtype or (torch.float16 if dev.type == "cpu" else torch.float32)
        model = model.eval()
        with torch.no_grad():
            f = lambda t: t.detach().to(dev, torch.float32).contiguous()  # noqa: E731
            w = lambda t: t.detach().to(dev, self.wd).contiguous()        # noqa: E731  matrices and their biases
            self.emb = f(model.proj_in(model.wte * model.in_scale))                  # (n_in, d)
            self.wpe = f(model.wpe.weight)                                           # (block, d)
            self.layers = []
            for b in model.h:
                self.layers.append((f(b.ln_1.weight), f(b.ln_1.bias), w(b.attn.c_attn.weight), w(b.attn.c_attn.bias),
                                    w(b.attn.c_proj.weight), w(b.attn.c_proj.bias), f(b.ln_2.weight), f(b.ln_2.bias),
                                    w(b.mlp.c_fc.weight), w(b.mlp.c_fc.bias), w(b.mlp.c_proj.weight), w(b.mlp.c_proj.bias)))
            self.ln_f = (f(model.ln_f.weight), f(model.ln_f.bias))
            self.eps = (float(model.h[0].ln_1.eps) if len(model.h) else 1e-5, float(model.ln_f.eps))
            self.out_w = w(model.head_weight() @ model.proj_out.weight)              # (n_out, d)
            self.out_b = f(model.bias)                                               # (n_out,)
        n = len(self.layers)
        self.k = torch.zeros(n, self.n_head, self.block, hd, device=dev)
        self.v = torch.zeros(n, self.n_head, self.block, hd, device=dev)
        self.d = d
        self.pos = 0
        # fixed-shape single-token step (CUDA graph on a GPU)
        self._idx_t = torch.zeros(1, dtype=torch.long, device=dev)
        self._pos_t = torch.zeros(1, dtype=torch.long, device=dev)
        self._ar = torch.arange(self.block, device=dev)
        self._out = torch.zeros(self.out_w.shape[0], device=dev)
        self._graph: Any = None
        self.static_steps = (dev.type == "cuda") if static_steps is None else bool(static_steps)
        self.graph_error: str | None = None
        if self.static_steps and dev.type == "cuda":
            self._capture()

    @property
    def device(self) -> torch.device:
        return self.emb.device

    def reset(self) -> None:
        self.pos = 0

    def _capture(self) -> None:
        try:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(2):      # warm-up (writes slot 0 of the cache, which every sequence overwrites)
                    self._static_step()
            torch.cuda.current_stream().wait_stream(side)
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g):
                self._static_step()
            self._graph = g
        except Exception as exc:  # e.g. an old driver: eager steps still work
            self._graph = None
            self.graph_error = f"{type(exc).__name__}: {exc}"

    def _static_step(self) -> None:
        """One token (``_idx_t``) at position ``_pos_t``; fixed shapes, result in ``_out``."""
        pos = self._pos_t

        def write(li: int, k: torch.Tensor, v: torch.Tensor) -> None:
            self.k[li].index_copy_(1, pos, k)                                      # (nh, block, hd)
            self.v[li].index_copy_(1, pos, v)

        x = self.emb.index_select(0, self._idx_t) + self.wpe.index_select(0, pos)   # (1, d)
        self._out.copy_(self._blocks(x, write, self.block, (self._ar <= pos)[None, None, None]))

    def _blocks(self, x: torch.Tensor, write: Any, upto: int, mask: torch.Tensor | None) -> torch.Tensor:
        """The transformer over x (T, d): ``write(layer, k, v)`` stores the new keys and values
        (nh, T, hd) in the cache, attention reads its first ``upto`` positions under ``mask``.
        Returns the logits (n_out,) after x's last row."""
        T, d, nh = int(x.shape[0]), self.d, self.n_head
        hd = d // nh
        e1, ef = self.eps
        wd, fp = self.wd, torch.float32
        for li, (l1w, l1b, aw, ab, pw, pb, l2w, l2b, fw, fb, cw, cb) in enumerate(self.layers):
            h = F.layer_norm(x, (d,), l1w, l1b, e1).to(wd)
            q, k, v = F.linear(h, aw, ab).to(fp).split(d, dim=1)                     # (T, d) each
            write(li, k.view(T, nh, hd).transpose(0, 1), v.view(T, nh, hd).transpose(0, 1))
            y = F.scaled_dot_product_attention(q.view(T, nh, hd).transpose(0, 1)[None], self.k[li, :, :upto][None],
                                               self.v[li, :, :upto][None], attn_mask=mask)   # (1, nh, T, hd)
            x = x + F.linear(y[0].transpose(0, 1).reshape(T, d).to(wd), pw, pb).to(fp)
            h = F.layer_norm(x, (d,), l2w, l2b, e1).to(wd)
            x = x + F.linear(F.gelu(F.linear(h, fw, fb)), cw, cb).to(fp)
        last = F.layer_norm(x[-1], (d,), self.ln_f[0], self.ln_f[1], ef).to(wd)
        return F.linear(last, self.out_w).to(fp) + self.out_b                       # (n_out,)

    def feed(self, idx: torch.Tensor) -> torch.Tensor:
        """idx (T,) compact input ids appended at the current position; logits (n_out,) of the next token."""
        T = int(idx.shape[0])
        p0, p1 = self.pos, self.pos + T
        if p1 > self.block:
            raise ValueError(f"sequence of {p1} exceeds block_size {self.block}")
        if T == 1 and self.static_steps:
            self._idx_t.copy_(idx.view(1))
            self._pos_t.fill_(p0)
            if self._graph is not None:
                self._graph.replay()
            else:
                self._static_step()
            self.pos = p1
            return self._out.clone()

        def write(li: int, k: torch.Tensor, v: torch.Tensor) -> None:
            self.k[li, :, p0:p1] = k
            self.v[li, :, p0:p1] = v

        mask = None
        if T > 1:  # new queries see every cached position and the causal part of the new ones
            mask = torch.ones(T, p1, dtype=torch.bool, device=idx.device).tril(diagonal=p0)
        logits = self._blocks(self.emb[idx] + self.wpe[p0:p1], write, p1, mask)
        self.pos = p1
        return logits
