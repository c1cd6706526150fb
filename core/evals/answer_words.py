"""Are a question's answer words in the memory itself? A note is what the model reads.

For each question, the memories built from its evidence turns are looked at: the share of
the answer's words (lower-cased, stop words and punctuation dropped) found in their notes
alone, in their whole text (date, note and the turns quoted), and, for comparison, in the
evidence turns themselves. A note that holds the answer is useful on its own; one that only
points to turns that do is a route, not a memory.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from core.search.fusion import STOPWORDS

_WORD = re.compile(r"[a-z0-9]+")


def answer_words(answer: str) -> set[str]:
    return {w for w in _WORD.findall(str(answer).lower()) if w not in STOPWORDS}


def share_in(words: set[str], texts: Iterable[str]) -> float:
    """The share of ``words`` found among the words of ``texts`` (1.0 for no words)."""
    if not words:
        return 1.0
    have = {w for t in texts for w in _WORD.findall(t.lower())}
    return len(words & have) / len(words)


@dataclass
class AnswerWords:
    """Running means over questions: answer words in notes, in memory texts, in the evidence turns."""

    note: list[float] = field(default_factory=list)
    text: list[float] = field(default_factory=list)
    turns: list[float] = field(default_factory=list)
    no_memory: int = 0          # questions whose evidence is behind no memory

    def add(self, answer: str, notes: Sequence[str], texts: Sequence[str], evidence_turns: Sequence[str]) -> None:
        words = answer_words(answer)
        if not words:
            return
        if not notes:
            self.no_memory += 1
        self.note.append(share_in(words, notes))
        self.text.append(share_in(words, texts))
        self.turns.append(share_in(words, evidence_turns))

    def summary(self) -> dict[str, float | int]:
        mean = lambda xs: round(sum(xs) / len(xs), 4) if xs else 0.0  # noqa: E731
        return {"in_notes": mean(self.note), "in_memory_text": mean(self.text), "in_evidence_turns": mean(self.turns),
                "questions": len(self.note), "evidence_behind_no_memory": self.no_memory}
