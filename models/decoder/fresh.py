"""A fresh decoder from numpy arrays, so that ``core.decoder`` never imports torch itself."""
from __future__ import annotations

from typing import Any

import numpy as np


def fresh_decoder(cfg: Any, head: np.ndarray, unigram_logp: np.ndarray) -> Any:
    """``build_model`` with the recovered LM-head rows and the corpus's unigram log-probs (numpy in)."""
    import torch

    from models.decoder.model import build_model

    return build_model(cfg, head=torch.as_tensor(head), unigram_logp=torch.as_tensor(unigram_logp))
