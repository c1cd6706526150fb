"""Word .docx through python-docx: paragraphs and table rows, with their paragraph number."""
from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from core.documents.importers.limits import check_zip
from core.documents.model import Importer, ParsedDocument, Section
from core.errors import ImportFailed

FORMAT = "docx"
EXTENSIONS = (".docx",)


def parse(data: bytes, name: str) -> ParsedDocument:
    import docx

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFailed("not a .docx file (not a zip archive)", "Re-save it from Word as .docx.")
    check_zip(data, "the .docx")  # a zip bomb is refused before python-docx decompresses anything
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise ImportFailed(f"damaged .docx ({exc})", "Re-save it from Word as .docx.") from exc
    base = PurePath(name).name
    sections: list[Section] = []
    for n, para in enumerate(document.paragraphs, 1):
        if para.text.strip():
            sections.append(Section(para.text, f"{base} para. {n}", {"paragraph": n}, group="body"))
    for t, table in enumerate(document.tables, 1):
        for r, row in enumerate(table.rows, 1):
            cells = [c.text.strip() for c in row.cells]
            line = " | ".join(c for c in cells if c)
            if line:
                sections.append(Section(line, f"{base} table {t} row {r}", {"table": t, "row": r}, group=f"table{t}"))
    if not sections:
        raise ImportFailed("the document has no text", "Nothing to import.")
    meta: dict = {}
    try:
        if document.core_properties.title:
            meta["title"] = document.core_properties.title
    except Exception:
        pass
    return ParsedDocument(sections, meta)


IMPORTER = Importer(FORMAT, EXTENSIONS, parse)
