"""The text a memory decoder learns from: stored conversations and imported document chunks.

Documents arrive as overlapping chunks; consecutive chunks of one document are joined with
the overlap removed, so the datastore does not hold the same text twice (a duplicated
passage would hand every position a perfect, misleading neighbour).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from core.chat.store import ConversationStore
    from core.ports import ChatMessage, DocumentSource


@dataclass
class CorpusText:
    source: str   # "conversation:12", "document:3", "locomo:conv-26/session_4"
    text: str


def render_conversation(messages: Iterable[ChatMessage], title: str = "") -> str:
    """One conversation as plain "Role: text" lines (user and assistant turns only)."""
    names = {"user": "User", "assistant": "Assistant"}
    lines = [title] if title else []
    for m in messages:
        role, content = m["role"], m["content"]
        if role in names and content and content.strip():
            lines.append(f"{names[role]}: {content.strip()}")
    return "\n".join(lines)


def join_chunks(chunks: list[str], max_overlap: int = 2000) -> str:
    """Concatenate consecutive chunks, dropping the text each repeats from the previous one."""
    if not chunks:
        return ""
    out = chunks[0]
    for nxt in chunks[1:]:
        limit = min(len(out), len(nxt), max_overlap)
        cut = 0
        for k in range(limit, 19, -1):  # overlaps shorter than 20 chars are left alone
            if out.endswith(nxt[:k]):
                cut = k
                break
        out += ("" if cut else "\n") + nxt[cut:]
    return out


def conversation_texts(conversations: ConversationStore) -> list[CorpusText]:
    """Every stored conversation (oldest first) as one text."""
    out = []
    for summary in sorted(conversations.list(limit=100_000), key=lambda c: c.id):
        text = render_conversation(conversations.history(summary.id))
        if text.strip():
            out.append(CorpusText(f"conversation:{summary.id}", text))
    return out


def document_texts(documents: DocumentSource | None, max_overlap: int = 2000) -> list[CorpusText]:
    """Each imported document as one text, its chunks joined in order (None = no documents)."""
    if documents is None:
        return []
    by_doc: dict[int, list[tuple[int, str]]] = {}
    for ch in documents.iter_chunks():
        by_doc.setdefault(ch.document_id, []).append((ch.ordinal, ch.text))
    return [CorpusText(f"document:{d}", join_chunks([t for _, t in sorted(parts)], max_overlap))
            for d, parts in sorted(by_doc.items())]


def locomo_sessions(path: Path) -> list[tuple[str, int, str]]:
    """(sample id, session number, text) for each session of a LoCoMo-format file, in order."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for conv in data:
        c = conv["conversation"]
        nums = sorted(int(k.split("_")[1]) for k in c if k.startswith("session_") and k.count("_") == 1)
        for n in nums:
            turns = c.get(f"session_{n}") or []
            lines = [f"[{c.get(f'session_{n}_date_time', '')}]"]
            for t in turns:
                line = f"{t.get('speaker', '?')}: {t.get('text', '')}".strip()
                if t.get("blip_caption"):
                    line += f" [shares a photo of {t['blip_caption']}]"
                lines.append(line)
            out.append((str(conv.get("sample_id", "?")), n, "\n".join(lines)))
    return out


def locomo_split(path: Path, train_fraction: float = 0.7) -> tuple[list[CorpusText], list[CorpusText]]:
    """Early sessions of each conversation for training, the late ones held out."""
    sessions = locomo_sessions(path)
    by_conv: dict[str, list[tuple[int, str]]] = {}
    for sid, n, text in sessions:
        by_conv.setdefault(sid, []).append((n, text))
    train, held = [], []
    for sid, items in by_conv.items():
        items.sort()
        cut = max(1, int(round(len(items) * train_fraction)))
        train += [CorpusText(f"locomo:{sid}/session_{n}", t) for n, t in items[:cut]]
        held += [CorpusText(f"locomo:{sid}/session_{n}", t) for n, t in items[cut:]]
    return train, held


def folder_texts(folder: Path) -> list[CorpusText]:
    """Every .txt / .md file under ``folder`` (sorted), one text each."""
    files = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in (".txt", ".md") and p.is_file())
    return [CorpusText(f"file:{p.name}", p.read_text(encoding="utf-8", errors="replace")) for p in files]
