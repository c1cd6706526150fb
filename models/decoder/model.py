"""The memory decoder: a small causal transformer whose output head is the base model's LM head.

nanoGPT-style (config dataclass, small modules, shapes in comments). Inputs and outputs use
*compact* ids (the corpus tokens, see ``vocab.CompactVocab``); the full-vocabulary interface
lives in ``mixing``. ``forward`` takes an optional per-layer KV cache so generation feeds one
token at a time.
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from models.decoder.config import DecoderConfig

KVCache = list[tuple[torch.Tensor, torch.Tensor]]  # per layer: (k, v) each (B, n_head, T_past, head_dim)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        assert cfg.d_model % cfg.n_head == 0
        self.n_head = cfg.n_head
        self.c_attn = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.c_proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.dropout = cfg.dropout

    def forward(self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        B, T, C = x.shape                                                  # (B, T, d_model)
        q, k, v = self.c_attn(x).split(C, dim=2)
        hd = C // self.n_head
        q = q.view(B, T, self.n_head, hd).transpose(1, 2)                 # (B, nh, T, hd)
        k = k.view(B, T, self.n_head, hd).transpose(1, 2)
        v = v.view(B, T, self.n_head, hd).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)                             # (B, nh, T_past+T, hd)
            v = torch.cat([past[1], v], dim=2)
        T_all = k.shape[2]
        if T == T_all:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                               dropout_p=self.dropout if self.training else 0.0)
        else:  # new queries see every cached position and the causal part of the new ones
            mask = torch.ones(T, T_all, dtype=torch.bool, device=x.device).tril(diagonal=T_all - T)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        y = y.transpose(1, 2).contiguous().view(B, T, C)                   # (B, T, d_model)
        return self.c_proj(y), (k, v)


class MLP(nn.Module):
    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(cfg.d_model, 4 * cfg.d_model)
        self.c_proj = nn.Linear(4 * cfg.d_model, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.c_proj(F.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.d_model)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.d_model)
        self.mlp = MLP(cfg)

    def forward(self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        a, kv = self.attn(self.ln_1(x), past)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, kv


class MemoryDecoder(nn.Module):
    """tokens (compact ids) -> log p_mem over the compact output vocabulary.

    head: the base model's LM-head rows for the corpus tokens, W (n_out, n_embd_base); the
    decoder predicts a vector in the base's hidden-state space and scores it with W.
    """

    def __init__(self, cfg: DecoderConfig, head: torch.Tensor | None = None, unigram_logp: torch.Tensor | None = None) -> None:
        super().__init__()
        self.cfg = cfg
        E = cfg.n_embd_base
        head = head if head is not None else torch.randn(cfg.n_out, E) * 0.02
        assert head.shape == (cfg.n_out, E), head.shape
        # input embedding rows = head rows (+ the mean row for the unknown slot); tied with the head
        emb = torch.cat([head, head.mean(0, keepdim=True)], 0)               # (n_in, E)
        self.wte = nn.Parameter(emb.clone(), requires_grad=cfg.train_head)
        self.in_scale = nn.Parameter(torch.tensor(1.0 / max(float(head.norm(dim=1).mean()), 1e-6)))
        self.proj_in = nn.Linear(E, cfg.d_model, bias=False)                 # E -> d_model
        self.wpe = nn.Embedding(cfg.block_size, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)
        self.h = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.d_model)
        r = cfg.head_rank if 0 < cfg.head_rank < min(E, cfg.n_out) else 0
        self.head_lr: nn.Parameter | None
        if r:  # head ≈ (U_r S_r) V_rᵀ: the decoder predicts the r coordinates directly
            U, S, _ = torch.linalg.svd(head.float(), full_matrices=False)
            self.head_lr = nn.Parameter((U[:, :r] * S[:r]).contiguous(), requires_grad=False)   # (n_out, r)
        else:
            self.head_lr = None
        self.proj_out = nn.Linear(cfg.d_model, r or E, bias=False)           # d_model -> E (or r)
        self.bias = nn.Parameter(unigram_logp.clone().float() if unigram_logp is not None else torch.zeros(cfg.n_out))
        self.apply(self._init_weights)
        nn.init.zeros_(self.proj_out.weight)   # start as the unigram model of the corpus
        for n, p in self.named_parameters():
            if n.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init_weights(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def head_weight(self) -> torch.Tensor:
        if self.head_lr is not None:
            return self.head_lr                                             # (n_out, r)
        return self.wte[: self.cfg.n_out]                                   # (n_out, E)

    def forward(self, idx: torch.Tensor, past: KVCache | None = None, pos0: int = 0
                ) -> tuple[torch.Tensor, KVCache]:
        """idx (B, T) compact ids; returns logits (B, T, n_out) and the new cache."""
        B, T = idx.shape
        assert pos0 + T <= self.cfg.block_size, f"sequence of {pos0 + T} exceeds block_size {self.cfg.block_size}"
        pos = torch.arange(pos0, pos0 + T, device=idx.device)
        x = self.proj_in(self.wte[idx] * self.in_scale) + self.wpe(pos)      # (B, T, d_model)
        x = self.drop(x)
        new: KVCache = []
        for i, block in enumerate(self.h):
            x, kv = block(x, past[i] if past is not None else None)
            new.append(kv)
        x = self.proj_out(self.ln_f(x))                                     # (B, T, E or r)
        logits = x @ self.head_weight().t() + self.bias                     # (B, T, n_out)
        return logits, new

    def n_trainable(self) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad)


def build_model(cfg: DecoderConfig, state: dict[str, Any] | None = None, head: torch.Tensor | None = None,
                unigram_logp: torch.Tensor | None = None) -> MemoryDecoder:
    """A fresh decoder (from the recovered head) or one restored from ``state``."""
    model = MemoryDecoder(cfg, head=head, unigram_logp=unigram_logp)
    if state is not None:
        model.load_state_dict(state)
    return model
