"""What an answer is built from: context providers contribute numbered items and prompt text.

The chat service asks every provider for context before it answers and tells each one
what the answer cited afterwards (RMM's retrospective reflection learns from that).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence


@dataclass
class ContextItem:
    """One memory, passage or fact shown to the model as ``[i]``."""

    kind: str          # "memory" | "passage" | "fact" | ...
    ref: str           # id in its own table, e.g. "chunk:12", "memory:4"
    text: str
    source: str        # human-readable provenance: "notes.pdf p. 3", "chat of 2024-05-01"
    score: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "text": self.text[:500], "source": self.source,
                "score": round(float(self.score), 4), "meta": self.meta}


@dataclass
class PreparedContext:
    """A provider's contribution to one answer."""

    system_text: str = ""                    # e.g. the profile and biography
    items: list[ContextItem] = field(default_factory=list)
    state: Any = None                        # whatever the provider needs in ``feedback``


class ContextProvider(Protocol):
    """Something that adds knowledge to an answer (documents, memories, profile)."""

    def prepare(self, query: str, history: Sequence[dict[str, str]], conversation_id: int | None) -> PreparedContext: ...

    def feedback(self, prepared: PreparedContext, shown: list[ContextItem], cited: list[int]) -> None: ...


@dataclass
class DirectAnswer:
    """An answer built from stored values without the model: its text cites ``items`` as ``[1]``, ``[2]``…

    ``found`` is False when the question asked for a value Mnemo does not hold (``missing`` names it):
    the chat then looks in the passages and, failing that, says it does not find it."""

    text: str
    items: list[ContextItem] = field(default_factory=list)
    found: bool = True
    missing: str = ""


class DirectAnswerer(Protocol):
    """Answers the questions whose answer is a stored value (the profile, the people records)."""

    def answer(self, question: str) -> DirectAnswer | None: ...
