"""Model runtimes: the only layer that imports llama_cpp, torch, sentence_transformers, faiss.

Heavy imports happen inside functions so that importing this package stays cheap.
"""
