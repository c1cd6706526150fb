"""Plain text and Markdown: one section per file, line numbers kept for every chunk."""
from __future__ import annotations

from pathlib import PurePath

from core.documents.importers.textutil import decode_text, require_text
from core.documents.model import Importer, ParsedDocument, Section

FORMAT = "text"
EXTENSIONS = (".txt", ".md", ".markdown", ".text")
EXPECTS = "plain UTF-8 text"


def parse(data: bytes, name: str) -> ParsedDocument:
    text = decode_text(data)
    require_text(text)
    base = PurePath(name).name
    meta: dict = {}
    if PurePath(name).suffix.lower() in (".md", ".markdown"):
        for line in text.splitlines():
            if line.startswith("# "):
                meta["title"] = line[2:].strip()
                break
    return ParsedDocument([Section(text, f"{base} line {{line}}", {"line": 1})], meta)


IMPORTER = Importer(FORMAT, EXTENSIONS, parse, expects=EXPECTS)
