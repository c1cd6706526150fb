"""Cut parsed sections into chunks of about ``size`` characters with ``overlap``.

Long text is split at the best boundary in the second half of each window (paragraph,
line, sentence, word, in that order); short units of one group (chat messages, table
rows) are packed together. Every chunk keeps the provenance of where it starts: the first
unit's metadata, its line (``{line}`` in the label) and the message ids it spans.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from core.documents.model import ChunkDraft, Section

_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ")


def split_spans(text: str, size: int, overlap: int) -> Iterator[tuple[int, int]]:
    """(start, end) offsets of windows of at most ``size`` characters covering ``text``."""
    n = len(text)
    overlap = max(0, min(overlap, size // 2))
    start = 0
    while start < n:
        end = min(n, start + size)
        if end < n:
            lo = start + size // 2
            for sep in _BREAKS:
                pos = text.rfind(sep, lo, end)
                if pos >= 0:
                    end = pos + len(sep)
                    break
        yield start, end
        if end >= n:
            return
        nxt = max(end - overlap, start + 1)
        if overlap and nxt < end:  # start the overlap on a word
            space = text.find(" ", nxt, end)
            nxt = space + 1 if space >= 0 else nxt
        start = nxt


def _label(section: Section, line: int | None) -> str:
    return section.label.replace("{line}", str(line if line is not None else "?"))


def _split_section(section: Section, size: int, overlap: int) -> Iterator[ChunkDraft]:
    text = section.text
    base_line = section.meta.get("line")
    counted, line = 0, base_line or 0
    for start, end in split_spans(text, size, overlap):
        piece = text[start:end].strip()
        if base_line is not None:
            line += text.count("\n", counted, start)
            counted = start
            lead = len(text[start:end]) - len(text[start:end].lstrip())
            first = line + text.count("\n", start, start + lead)
        else:
            first = None
        if piece:
            meta = dict(section.meta)
            if first is not None:
                meta["line"] = first
            yield ChunkDraft(piece, _label(section, first), meta)


def _pack(units: Sequence[Section]) -> ChunkDraft:
    first = units[0]
    meta = dict(first.meta)
    ids = [u.meta["message_id"] for u in units if u.meta.get("message_id")]
    if len(ids) > 1:
        meta["message_ids"] = ids
    if len(units) > 1 and "line" in units[-1].meta:
        meta["last_line"] = units[-1].meta["line"]
    if len(units) > 1 and "row" in units[-1].meta:
        meta["last_row"] = units[-1].meta["row"]
    return ChunkDraft("\n".join(u.text.strip() for u in units), _label(first, first.meta.get("line")), meta)


def chunk_stream(sections: Iterable[Section], size: int = 1200, overlap: int = 150) -> Iterator[ChunkDraft]:
    """The chunks of a document in reading order, produced as ``sections`` are read."""
    batch: list[Section] = []
    length = 0
    for s in sections:
        if not s.text.strip():
            continue
        if s.group is None or len(s.text) > size:
            if batch:
                yield _pack(batch)
                batch, length = [], 0
            yield from _split_section(s, size, overlap)
            continue
        if batch and (batch[0].group != s.group or length + len(s.text) + 1 > size):
            yield _pack(batch)
            batch, length = [], 0
        batch.append(s)
        length += len(s.text) + 1
    if batch:
        yield _pack(batch)


def chunk_sections(sections: Iterable[Section], size: int = 1200, overlap: int = 150) -> list[ChunkDraft]:
    """The chunks of a document, in reading order (``chunk_stream`` as a list)."""
    return list(chunk_stream(sections, size, overlap))
