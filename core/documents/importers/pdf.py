"""PDF through pypdf: one section per page, so every chunk keeps its page number.

Encrypted files (unless the password is empty), damaged files and image-only scans are
refused with a reason; pypdf's own warnings about sloppy files are silenced.
"""
from __future__ import annotations

import io
import logging
from pathlib import PurePath

from core.documents.model import Importer, ParsedDocument, Section
from core.errors import ImportFailed

FORMAT = "pdf"
EXTENSIONS = (".pdf",)


def parse(data: bytes, name: str) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ImportFailed("not a PDF (no %PDF header)", "The file may be damaged or misnamed.")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = bool(reader.decrypt(""))
            except Exception:
                ok = False
            if not ok:
                raise ImportFailed("the PDF is encrypted with a password",
                                   "Save an unprotected copy and import that.")
        pages = list(reader.pages)
    except ImportFailed:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ImportFailed(f"damaged PDF ({exc})", "Open and re-save it with a PDF viewer, then import again.") from exc
    base = PurePath(name).name
    sections: list[Section] = []
    for number, page in enumerate(pages, 1):
        try:
            text = page.extract_text() or ""
        except Exception:  # one bad page must not lose the others
            text = ""
        text = text.replace("\r\n", "\n").replace("\x00", "")
        if text.strip():
            sections.append(Section(text, f"{base} p. {number}", {"page": number}))
    if not sections:
        raise ImportFailed("the PDF has no text layer (scanned images?)", "Run OCR on it first, then import again.")
    meta: dict = {"pages": len(pages)}
    try:
        title = reader.metadata.get("/Title") if reader.metadata else None
        if title:
            meta["title"] = str(title)
    except Exception:
        pass
    return ParsedDocument(sections, meta)


IMPORTER = Importer(FORMAT, EXTENSIONS, parse)
