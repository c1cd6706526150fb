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
_MAX_WARNINGS = 20


def parse(data: bytes, name: str) -> ParsedDocument:
    text = decode_text(data)
    require_text(text)
    head = text[:8192]
    sample = head[:head.rfind("\n") + 1] or head  # whole lines only: a huge cell must not confuse the sniffer
    try:
        dialect = _csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except _csv.Error:
        dialect = _csv.excel_tab if name.lower().endswith(".tsv") else _csv.excel
    rows, bad = _rows(text, dialect)
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        if bad:
            raise ImportFailed(f"malformed CSV ({bad[0]})", "Check the file's quoting.")
        raise ImportFailed("the table is empty", "Nothing to import.")
    header = rows[0]
    try:
        has_header = _csv.Sniffer().has_header(sample)
    except _csv.Error:
        has_header = True
    body = rows[1:] if has_header else rows
    if not body and bad:
        raise ImportFailed(f"malformed CSV ({bad[0]})", "Check the file's quoting.")
    base = PurePath(name).name
    sections = []
    for i, row in enumerate(body, 2 if has_header else 1):
        if has_header:
            cells = [f"{h.strip()}: {v.strip()}" for h, v in zip(header, row) if v.strip()]
        else:
            cells = [v.strip() for v in row if v.strip()]
        sections.append(Section("; ".join(cells), f"{base} row {i}", {"row": i}, group="rows"))
    meta: dict = {"rows": len(body), "columns": header if has_header else []}
    if bad:
        meta["warnings"] = [f"{base}: {w}" for w in bad[:_MAX_WARNINGS]] + (
            [f"… and {len(bad) - _MAX_WARNINGS} more bad lines"] if len(bad) > _MAX_WARNINGS else [])
    return ParsedDocument(sections, meta)


def _rows(text: str, dialect) -> tuple[list[list[str]], list[str]]:
    """The rows the reader can read and, for each line it cannot (a cell over the field limit, a stray
    quote), why it was skipped; one bad row costs that row, not the table."""
    reader = _csv.reader(io.StringIO(text), dialect)
    rows: list[list[str]] = []
    bad: list[str] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows, bad
        except _csv.Error as exc:
            bad.append(f"line {reader.line_num} skipped ({exc})")
            continue
        rows.append(row)


IMPORTER = Importer(FORMAT, EXTENSIONS, parse)
