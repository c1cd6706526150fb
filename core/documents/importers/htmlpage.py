"""HTML pages: visible text only (no scripts, styles or markup), through a streaming parser."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import PurePath

from core.documents.importers.textutil import decode_text, looks_binary, require_text
from core.documents.model import Importer, ParsedDocument, Section
from core.errors import ImportFailed

FORMAT = "html"
EXTENSIONS = (".html", ".htm", ".xhtml")


_SKIP = frozenset({"script", "style", "noscript", "template"})


class _TextParser(HTMLParser):
    """Visible text and title of a page, read as a stream of tags: no tree is built, so memory is
    the text itself however deeply the markup nests (a tree of a 4.5 MB nested page took GBs)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_head = False
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag == "head":
            self._in_head = True
        elif tag == "body":
            self._in_head = False
        elif tag == "title":
            self._in_title = True

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        pass  # <br/>, <img/>: no text, and no nesting

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "head":
            self._in_head = False
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title.append(data)
        elif not self._in_head:
            self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str]:
    """Visible text of ``markup`` and its title."""
    parser = _TextParser()
    step = 1 << 16
    for i in range(0, len(markup), step):
        parser.feed(markup[i:i + step])
    parser.close()
    title = " ".join(" ".join(parser.title).split())
    text = "\n".join(parser.parts)
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
