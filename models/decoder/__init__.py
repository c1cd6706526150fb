"""The memory decoder (arXiv 2508.09874): a small causal LM trained to imitate kNN-LM on the user's corpus.

Modules: ``config`` (hyper-parameters), ``datastore`` (hidden states from llama.cpp), ``knn``
(FAISS index and sparse kNN targets), ``model`` (the decoder), ``train`` (the loss and loop),
``checkpoint`` (safetensors + JSON record), ``inference`` (the decoder's folded, float16 / CUDA-graph
form for generation), ``mixing`` (the llama-cpp-python logits processor).
Heavy libraries (torch, faiss, llama_cpp) are imported inside functions.
"""
from __future__ import annotations

from models.decoder.config import DecoderConfig, TrainConfig

__all__ = ["DecoderConfig", "TrainConfig"]
