"""Reflective memory management (RMM): topic memories from conversations, retrieved and reranked for answers."""
