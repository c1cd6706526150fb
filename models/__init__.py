"""Model runtimes: the only layer that imports llama_cpp, torch, sentence_transformers, faiss.

Heavy imports happen inside functions so that importing this package stays cheap. A GPU build
of llama.cpp has its libraries opened globally here, before anything can import torch
(see ``llama_libs``).
"""
from models.llama_libs import preload_llama_libs

preload_llama_libs()
