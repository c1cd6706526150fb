"""Hyper-parameters of the memory decoder and of its training, as plain dataclasses.

Why this architecture (see ``model.py``): the decoder's output layer is the base model's own
LM head restricted to the tokens of the corpus (recovered exactly from llama.cpp, frozen), so
the decoder only learns a small transformer (``d_model``) that maps a context to a point in
the base model's hidden-state space — the same space the kNN datastore's keys live in. That
keeps the trainable part tiny on a 2-core CPU and lets a GPU scale ``d_model``/``n_layer``
for large base models without touching the interface (full-vocabulary ids at the boundary).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class DecoderConfig:
    """Shape of one decoder; saved in the checkpoint's JSON record."""

    n_in: int = 1025          # input vocabulary: compact corpus tokens + 1 unknown slot (the last id)
    n_out: int = 1024         # output vocabulary: compact corpus tokens
    n_embd_base: int = 576    # hidden size of the base model (width of its LM head)
    d_model: int = 256        # width of the decoder's own transformer
    n_layer: int = 3
    n_head: int = 4
    block_size: int = 256     # positions the decoder attends over (= training window)
    dropout: float = 0.1
    train_head: bool = False  # also train the (base-initialised) embedding / output head
    head_rank: int = 0        # >0: the decoder predicts r SVD coordinates of the head (generation folds the head either way)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "DecoderConfig":
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass
class TrainConfig:
    """How the decoder is trained (mirrors the ``decoder`` settings section)."""

    beta: float = 0.5           # L = beta * KL(p_kNN || p_mem) + (1 - beta) * CE
    epochs: int = 30            # at most; training keeps the epoch with the best held-out mixture
    max_minutes: float = 0.0    # >0: after each epoch, plan only the epochs that fit in this time
    patience: int = 5           # stop after this many epochs without a better held-out mixture (0 = never)
    select_alpha: float = 0.2   # the α whose held-out mixture perplexity picks the epoch
    bf16: str = "auto"          # auto: bfloat16 autocast where the CPU/GPU computes it natively | off
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    batch_windows: int = 4      # windows per optimiser step
    min_steps: int = 240        # small corpora get more epochs, so the decoder sees enough updates
    warmup_steps: int = 20
    device: str = "auto"        # auto | cpu | cuda
    seed: int = 1234
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def use_bf16(setting: str, device: str) -> bool:
    """bfloat16 autocast for training where the hardware has it (measured on an AVX512-BF16 CPU:
    a training step 0.277 -> 0.140 s, the same held-out perplexity within noise)."""
    import torch

    if setting == "off":
        return False
    if device == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_device(name: str) -> str:
    """``auto`` -> cuda when torch sees a GPU, else cpu; ``cuda`` without a GPU is an error."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("decoder.device is 'cuda' but torch sees no CUDA GPU; set it to 'auto' or 'cpu'.")
    return name
