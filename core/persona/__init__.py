"""Persona memory (Second Me's L1): profile facts, topics ("shades") and a biography of the user.

``PersonaService`` (``service``) is the entry point; ``FactStore`` (``facts``) is the public
fact API that autofill uses.
"""
from __future__ import annotations

from core.persona.facts import FactHistoryEntry, FactRecord, FactStore

__all__ = ["FactHistoryEntry", "FactRecord", "FactStore"]
