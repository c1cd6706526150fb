"""HTML pages through BeautifulSoup: visible text only (no scripts, styles or markup)."""
from __future__ import annotations

import re
from pathlib import PurePath

from core.documents.importers.textutil import decode_text, looks_binary, require_text
from core.documents.model import Importer, ParsedDocument, Section
from core.errors import ImportFailed

FORMAT = "html"
EXTENSIONS = (".html", ".htm", ".xhtml")


def html_to_text(markup: str) -> tuple[str, str]:
    """Visible text of ``markup`` and its title."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        if tag.name == "head":
            continue
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.head:
        soup.head.decompose()
    text = soup.get_text("\n")
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text).strip()
    return text, title


def parse(data: bytes, name: str) -> ParsedDocument:
    if looks_binary(data):
        raise ImportFailed("binary data, not HTML", "Check the file.")
    try:
        markup = decode_text(data)
    except ImportFailed:
        markup = data.decode("latin-1")  # HTML declares its charset itself; old pages are often latin-1
    text, title = html_to_text(markup)
    require_text(text, "the page")
    base = PurePath(name).name
    return ParsedDocument([Section(text, f"{base}" + (f" '{title}'" if title else ""), {})], {"title": title} if title else {})


IMPORTER = Importer(FORMAT, EXTENSIONS, parse)
