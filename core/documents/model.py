"""The plain data of the documents feature: parsed sections, chunks, search hits, import reports.

Importers produce ``Section``s, the chunker turns them into ``ChunkDraft``s, the store keeps
them; other features read them back as ``ChunkView``s and ``PassageHit``s.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional


@dataclass
class Section:
    """A piece of a parsed document with its provenance.

    ``label`` is the human source; ``{line}`` in it is filled with the chunk's first line.
    Consecutive sections with the same non-None ``group`` may be packed into one chunk
    (messages of one chat, rows of one table); ``group=None`` sections stand alone.
    """

    text: str
    label: str
    meta: dict[str, Any] = field(default_factory=dict)
    group: Optional[str] = None


@dataclass(frozen=True)
class Mark:
    """Where a streamed document can be read again from: the byte offset of a piece (a mail in a mailbox)
    and the piece's index."""

    offset: int
    index: int


@dataclass
class Piece:
    """A run of sections chunked on its own (one mail of a mailbox, or a whole document), and where reading
    continues after it (None: a document that can only be read again from its start)."""

    sections: Iterable[Section]
    end: Optional[Mark] = None


@dataclass
class ParsedDocument:
    """A document's sections (a list, or produced as they are read for a streamed format) and metadata.

    ``pieces`` (a streamed format) reads the document piece by piece from a mark; ``meta`` is then
    complete once the last piece is read, and a reader continuing from a mark first restores the
    metadata it had there."""

    sections: Iterable[Section]
    meta: dict[str, Any] = field(default_factory=dict)       # title, counts, warnings...
    pieces: Optional[Callable[[Optional[Mark]], Iterator[Piece]]] = None

    def read(self, start: Optional[Mark] = None) -> Iterator[Piece]:
        """The document piece by piece from ``start`` (a mark its pieces gave; None: the beginning)."""
        if self.pieces is not None:
            return self.pieces(start)
        if start is not None:
            raise ValueError("only a streamed document can be read from a mark")
        return iter([Piece(self.sections)])


@dataclass
class ChunkDraft:
    text: str
    source: str
    meta: dict[str, Any]


@dataclass
class PassageHit:
    """One search result: a chunk, where it comes from, and its fused score."""

    chunk_id: int
    document_id: int
    text: str
    source: str
    score: float
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChunkView:
    id: int
    document_id: int
    text: str
    source: str
    meta: dict[str, Any]
    format: str
    ordinal: int


@dataclass
class DocumentInfo:
    id: int
    path: str
    name: str
    format: str
    status: str               # ok | missing | error
    error: str
    n_chunks: int
    size: int
    content_hash: str
    meta: dict[str, Any]
    imported_at: str
    updated_at: str


@dataclass
class ImportReport:
    """What one import run did, file by file."""

    imported: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)     # (path, reason)
    missing: list[str] = field(default_factory=list)                 # deleted from a watched folder
    document_ids: list[int] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    cancelled: bool = False

    def summary(self) -> str:
        parts = [f"{len(self.imported)} imported", f"{len(self.updated)} updated",
                 f"{len(self.unchanged)} unchanged", f"{len(self.skipped)} skipped"]
        if self.missing:
            parts.append(f"{len(self.missing)} missing")
        text = ", ".join(parts) + f"; {self.chunks} chunks in {self.seconds:.1f} s"
        return text + (" (stopped early: run it again to finish)" if self.cancelled else "")


@dataclass(frozen=True)
class Importer:
    """One document format: its extensions, its parser, and (when it shares an extension) how to recognise it."""

    format: str
    extensions: tuple[str, ...]
    parse: Callable[[bytes, str], ParsedDocument]
    sniff: Callable[[bytes, str], bool] | None = None
    read_file: Callable[[str, str], ParsedDocument] | None = None   # a streamed format: parse(path, name), lazily
    expects: str = ""          # what a file of this extension must be, for the error when no importer takes it
