"""PDFs without form fields: the labels printed on the page are the fields, and values are drawn next to them.

A scanned-in or printed-to-PDF form has no AcroForm, only text such as ``Name: ________``.
``read_overlay`` finds those labels from the page text with its positions (pypdf's text
visitor): a text run that ends with a colon, or that is followed on its line by a blank to
write on (``____``, ``....``, ``……``), is a field, named ``p<page>-<n>``. ``write_overlay``
draws each proposed value as real page text (a content stream merged onto the page, the
standard Helvetica font) just right of its label, or at the start of its blank, so every
viewer shows and prints it. A value Helvetica's WinAnsi encoding cannot write (Greek,
Cyrillic, CJK …) is not drawn, and the writer says which; nothing is drawn on a page whose
text cannot be read.

The positions are read again from the source when writing (the same file gives the same
fields), so a review file edited in between still lands where the labels are.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.autofill.model import Form, FormField, Proposal
from core.errors import MnemoError

_BLANK = re.compile(r"(?:_{3,}|\.{4,}|…{2,}|-{4,})")
_LABEL = re.compile(r"^(?P<label>[^\W\d_][^:：]{0,60}?)\s*[:：]\s*(?P<rest>.*)$")
FONT_SIZE = 10.0
CHAR_WIDTH = 0.5   # Helvetica's mean advance, in em: where a label's text ends when the PDF does not say


@dataclass(frozen=True)
class Spot:
    """Where one field's value goes: page index and the baseline point left of the value."""

    name: str
    label: str
    page: int
    x: float
    y: float


def _runs(page: Any) -> list[tuple[float, float, float, str]] | None:
    """(x, y, font size, text) of each text run in user space; None when the page's text cannot be read."""
    runs: list[tuple[float, float, float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        t = " ".join(text.split())
        if t:
            x = float(tm[4]) * float(cm[0]) + float(cm[4])
            y = float(tm[5]) * float(cm[3]) + float(cm[5])
            scale = abs(float(tm[3]) * float(cm[3])) or 1.0
            runs.append((x, y, float(size or FONT_SIZE) * scale, t))

    try:
        page.extract_text(visitor_text=visit)
    except Exception:
        return None
    return runs


def _lines(runs: list[tuple[float, float, float, str]]) -> list[list[tuple[float, float, float, str]]]:
    """Runs grouped by baseline (within 2 pt), each line left to right, top of the page first."""
    lines: list[list[tuple[float, float, float, str]]] = []
    for run in sorted(runs, key=lambda r: (-r[1], r[0])):
        if lines and abs(lines[-1][0][1] - run[1]) <= 2.0:
            lines[-1].append(run)
        else:
            lines.append([run])
    return [sorted(line) for line in lines]


def _end_x(run: tuple[float, float, float, str], upto: int | None = None) -> float:
    x, _, size, text = run
    return x + CHAR_WIDTH * size * len(text if upto is None else text[:upto])


def page_spots(page: Any, index: int) -> list[Spot] | None:
    """The labelled blanks of one page, in reading order; None when its text cannot be read."""
    runs = _runs(page)
    if runs is None:
        return None
    spots: list[Spot] = []
    for line in _lines(runs):
        for i, run in enumerate(line):
            x, y, size, text = run
            nxt = line[i + 1] if i + 1 < len(line) else None
            for part_start, part in _parts(text):
                m = _LABEL.match(part)
                if m:
                    label, rest = m["label"].strip(), m["rest"]
                elif nxt is not None and _BLANK.fullmatch(nxt[3]) and not _BLANK.search(part):
                    label, rest = part.strip(), ""
                else:
                    continue
                if not label or _BLANK.fullmatch(label):
                    continue
                blank = _BLANK.search(rest)
                if rest and not blank:
                    continue  # "Note: see overleaf" is text, not a field
                if blank:
                    at = part_start + len(part) - len(rest) + blank.start()
                    vx = _end_x(run, at)
                elif nxt is not None and _BLANK.fullmatch(nxt[3]):
                    vx = nxt[0]
                else:
                    vx = _end_x(run, part_start + len(part)) + 4
                spots.append(Spot(f"p{index + 1}-{len(spots) + 1}", label, index, vx + 1, y))
    return spots


def _parts(text: str) -> list[tuple[int, str]]:
    """A run split where a new label starts after a blank ("Name: ____ Date: ____"), with each part's offset."""
    out: list[tuple[int, str]] = []
    start = 0
    for m in _BLANK.finditer(text):
        out.append((start, text[start:m.end()]))
        start = m.end()
        while start < len(text) and text[start] == " ":
            start += 1
    if start < len(text):
        out.append((start, text[start:]))
    return out


def _reader(path: Path) -> Any:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
    except (PdfReadError, OSError, ValueError) as exc:
        raise MnemoError(f"Cannot read the PDF {path} ({exc}).", "Check that it is a PDF and not damaged.") from exc
    if reader.is_encrypted:
        raise MnemoError(f"The PDF {path} is encrypted.", "Save an unencrypted copy first.")
    return reader


def spots(path: Path) -> list[Spot]:
    """Every labelled blank of the PDF ``path``, numbered page by page."""
    out: list[Spot] = []
    for i, page in enumerate(_reader(path).pages):
        out.extend(page_spots(page, i) or [])
    return out


def read_overlay(path: Path) -> Form:
    """The labels of a PDF without form fields as a form (``kind`` "pdf-overlay"); no labels = no fields."""
    return Form(kind="pdf-overlay", path=str(path),
                fields=[FormField(name=s.name, label=s.label) for s in spots(path)])


def _pdf_string(value: str) -> bytes | None:
    """``value`` as a PDF literal string in WinAnsi (cp1252), or None when Helvetica cannot write it."""
    try:
        raw = value.encode("cp1252")
    except UnicodeEncodeError:
        return None
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def write_overlay(src: Path, proposals: list[Proposal], out: Path) -> list[str]:
    """Write ``src`` with each filled value drawn beside its label; return the labels whose value was not drawn."""
    from pypdf import PdfWriter
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    where = {s.name: s for s in spots(src)}
    by_page: dict[int, list[bytes]] = {}
    skipped: list[str] = []
    for p in proposals:
        if not p.filled or p.field not in where:
            continue
        spot = where[p.field]
        text = _pdf_string(" ".join(p.value.split()))
        if text is None:
            skipped.append(spot.label)
            continue
        by_page.setdefault(spot.page, []).append(
            b"BT /MnemoF1 %.1f Tf %.2f %.2f Td " % (FONT_SIZE, spot.x, spot.y) + text + b" Tj ET")
    writer = PdfWriter(clone_from=str(src))
    for index, ops in by_page.items():
        page = writer.pages[index]
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica"),
                                 NameObject("/Encoding"): NameObject("/WinAnsiEncoding")})
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        fonts = resources.get("/Font")
        fonts = fonts.get_object() if fonts is not None else DictionaryObject()
        fonts[NameObject("/MnemoF1")] = font
        resources[NameObject("/Font")] = fonts
        page[NameObject("/Resources")] = resources
        existing = page.get_contents()
        # the page as it was, its graphics state closed, then the values in black
        data = (b"q\n" + (existing.get_data() if existing is not None else b"") + b"\nQ\nq 0 0 0 rg\n"
                + b"\n".join(ops) + b"\nQ\n")
        combined = ContentStream(None, writer)
        combined.set_data(data)
        page.replace_contents(combined)
    with open(out, "wb") as fh:
        writer.write(fh)
    return skipped
