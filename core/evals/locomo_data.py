"""Reading the LoCoMo format (Maharana et al., ACL 2024): sessions, turns, questions, evidence.

Only ``conversation`` and ``qa`` are read. The benchmark's own ``session_summary``,
``event_summary`` and ``observation`` annotations are never touched: an honest evaluation
must not feed them to the system under test.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.errors import MnemoError

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}


def norm_dia_id(raw: Any) -> str | None:
    """'D1:3' -> 'D1:3'; malformed ids like 'D:11:26' or 'D30:05' are normalised; junk -> None."""
    nums = re.findall(r"\d+", str(raw))
    if len(nums) < 2:
        return None
    return f"D{int(nums[-2])}:{int(nums[-1])}"


@dataclass
class Turn:
    dia_id: str
    speaker: str
    text: str


@dataclass
class Session:
    index: int
    date_time: str
    turns: list[Turn]

    @property
    def date(self) -> str:
        """'1:56 pm on 8 May, 2023' -> '8 May 2023' (the raw string if it does not parse)."""
        dt = parse_date(self.date_time)
        return f"{dt.day} {dt:%B %Y}" if dt else self.date_time

    @property
    def when(self) -> datetime:
        return parse_date(self.date_time) or datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass
class Question:
    question: str
    answer: str
    evidence: set[str]
    category: int


@dataclass
class Conversation:
    sample_id: str
    speakers: tuple[str, str]
    sessions: list[Session]
    questions: list[Question] = field(default_factory=list)

    @property
    def n_turns(self) -> int:
        return sum(len(s.turns) for s in self.sessions)


def parse_date(text: str) -> datetime | None:
    clean = re.sub(r"\s+", " ", str(text).replace(",", "")).strip()
    for fmt in ("%I:%M %p on %d %B %Y", "%H:%M on %d %B %Y", "%d %B %Y", "%B %d %Y"):
        try:
            return datetime.strptime(clean, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def _turn_text(t: dict[str, Any]) -> str:
    text = str(t.get("text") or "").strip()
    caption = t.get("blip_caption")
    if caption:  # the photo the speaker shared, as the chat would show it
        text = f"{text} [shares a photo: {caption}]".strip()
    return text


def load_locomo(path: Path) -> list[Conversation]:
    """Parse a LoCoMo JSON file; a malformed conversation is reported, never half-read."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MnemoError(f"Cannot read the LoCoMo file {path} ({exc}).", "Pass a JSON file in the LoCoMo format.") from exc
    if isinstance(data, dict):
        data = [data]
    out: list[Conversation] = []
    for n, raw in enumerate(data):
        if not isinstance(raw, dict) or not isinstance(raw.get("conversation"), dict):
            raise MnemoError(f"Entry {n} of {path} has no 'conversation' object.", "Check the file's format.")
        conv = raw["conversation"]
        keys = sorted((int(m.group(1)) for k in conv if (m := re.fullmatch(r"session_(\d+)", k))))
        sessions = []
        for i in keys:
            turns = [Turn(norm_dia_id(t.get("dia_id")) or f"D{i}:{j + 1}", str(t.get("speaker") or ""), _turn_text(t))
                     for j, t in enumerate(conv.get(f"session_{i}") or []) if isinstance(t, dict)]
            if turns:
                sessions.append(Session(i, str(conv.get(f"session_{i}_date_time") or ""), turns))
        qs = []
        for q in raw.get("qa") or []:
            try:
                cat = int(q.get("category"))
            except (TypeError, ValueError):
                continue
            ev = {e for e in (norm_dia_id(x) for x in (q.get("evidence") or [])) if e}
            answer = q.get("answer", q.get("adversarial_answer", ""))
            qs.append(Question(str(q.get("question") or ""), str(answer), ev, cat))
        out.append(Conversation(str(raw.get("sample_id") or f"conv-{n}"),
                                (str(conv.get("speaker_a") or "A"), str(conv.get("speaker_b") or "B")), sessions, qs))
    return out
