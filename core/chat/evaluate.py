"""Scoring answers strictly: right (the expected value is in the answer), invented, cited where it is.

A question set is a TSV file: ``question<TAB>expected pattern[<TAB>kind]`` per line, ``#`` for
comments; the pattern is a case-insensitive regular expression matched on the answer with
spacing collapsed. An answer is *invented* when it holds a number, phone, date, e-mail or URL
found in no stored document or fact (``core.grounding.check``). A citation is *precise* when
a cited source holds the expected value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from core.errors import MnemoError
from core.grounding.check import Support, strip_citations
from core.grounding.values import values_in


@dataclass(frozen=True)
class Question:
    text: str
    pattern: str
    kind: str = ""


@dataclass
class Scored:
    question: Question
    answer: str
    mode: str
    right: bool
    invented: list[str]
    cited: int
    cited_right: bool
    seconds: float
    tokens_per_s: float


@dataclass
class AnswerScore:
    rows: list[Scored] = field(default_factory=list)

    def _share(self, rows: Sequence[Scored], attr: str) -> float:
        return sum(bool(getattr(r, attr)) for r in rows) / len(rows) if rows else 0.0

    @property
    def accuracy(self) -> float:
        return self._share(self.rows, "right")

    @property
    def invented_share(self) -> float:
        return self._share(self.rows, "invented")

    @property
    def citation_precision(self) -> float:
        return self._share([r for r in self.rows if r.cited], "cited_right")

    def by_kind(self) -> dict[str, float]:
        kinds = sorted({r.question.kind for r in self.rows})
        return {k: self._share([r for r in self.rows if r.question.kind == k], "right") for k in kinds}

    def to_json(self) -> dict[str, Any]:
        speeds = [r.tokens_per_s for r in self.rows if r.tokens_per_s]
        return {"n": len(self.rows), "accuracy": round(self.accuracy, 3), "invented": round(self.invented_share, 3),
                "citation_precision": round(self.citation_precision, 3), "by_kind": self.by_kind(),
                "modes": {m: sum(r.mode == m for r in self.rows) for m in sorted({r.mode for r in self.rows})},
                "tokens_per_s": round(sum(speeds) / len(speeds), 2) if speeds else 0.0,
                "seconds_per_answer": round(sum(r.seconds for r in self.rows) / len(self.rows), 2) if self.rows else 0.0,
                "rows": [{"question": r.question.text, "expected": r.question.pattern, "answer": r.answer,
                          "mode": r.mode, "right": r.right, "invented": r.invented, "cited_right": r.cited_right}
                         for r in self.rows]}


def load_questions(path: Path) -> list[Question]:
    """The questions of a TSV file; a bad line or pattern is an error that names its line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise MnemoError(f"Cannot read {path}: {exc.strerror or exc}.", "Give a TSV file: question<TAB>pattern.") from exc
    out: list[Question] = []
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].strip() or not parts[1].strip():
            raise MnemoError(f"{path.name} line {n}: expected 'question<TAB>pattern'.", "Separate the columns by a tab.")
        try:
            re.compile(parts[1], re.I)
        except re.error as exc:
            raise MnemoError(f"{path.name} line {n}: the pattern is not a regular expression ({exc}).",
                             "Escape characters such as . + ( with a backslash.") from exc
        out.append(Question(parts[0].strip(), parts[1].strip(), parts[2].strip() if len(parts) > 2 else ""))
    if not out:
        raise MnemoError(f"{path.name} holds no questions.", "Write one 'question<TAB>pattern' per line.")
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


def score_answer(q: Question, answer: str, sources: Sequence[dict[str, Any]], mode: str, store: Support,
                 seconds: float = 0.0, tokens_per_s: float = 0.0) -> Scored:
    """One answer, scored against its question and the store (all documents and facts)."""
    rx = re.compile(q.pattern, re.I)
    body = _flat(strip_citations(answer))
    m = rx.search(body)
    invented = [v.text for v in values_in(body, names=False) if not store.has(v)]
    cited = [s for s in sources if s.get("cited")]
    cited_right = False
    if m and cited:
        found = values_in(m.group(0), names=False)
        for s in cited:
            text = _flat(str(s.get("text", "")))
            if rx.search(text) or (found and all(Support.of([text]).has(v) for v in found)):
                cited_right = True
                break
    return Scored(q, answer, mode, bool(m), invented, len(cited), cited_right, seconds, tokens_per_s)
