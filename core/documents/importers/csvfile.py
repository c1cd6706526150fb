"""CSV tables: each row as 'column: value' text, rows packed into chunks, row numbers kept."""
from __future__ import annotations

import csv as _csv
import io
from pathlib import PurePath

from core.documents.importers.textutil import decode_text, require_text
from core.documents.model import Importer, ParsedDocument, Section
from core.errors import ImportFailed

FORMAT = "csv"
EXTENSIONS = (".csv", ".tsv")


def parse(data: bytes, name: str) -> ParsedDocument:
    text = decode_text(data)
    require_text(text)
    try:
        dialect = _csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except _csv.Error:
        dialect = _csv.excel_tab if name.lower().endswith(".tsv") else _csv.excel
    try:
        rows = list(_csv.reader(io.StringIO(text), dialect))
    except _csv.Error as exc:
        raise ImportFailed(f"malformed CSV ({exc})", "Check the file's quoting.") from exc
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ImportFailed("the table is empty", "Nothing to import.")
    header = rows[0]
    try:
        has_header = _csv.Sniffer().has_header(text[:8192])
    except _csv.Error:
        has_header = True
    body = rows[1:] if has_header else rows
    base = PurePath(name).name
    sections = []
    for i, row in enumerate(body, 2 if has_header else 1):
        if has_header:
            cells = [f"{h.strip()}: {v.strip()}" for h, v in zip(header, row) if v.strip()]
        else:
            cells = [v.strip() for v in row if v.strip()]
        sections.append(Section("; ".join(cells), f"{base} row {i}", {"row": i}, group="rows"))
    return ParsedDocument(sections, {"rows": len(body), "columns": header if has_header else []})


IMPORTER = Importer(FORMAT, EXTENSIONS, parse)
