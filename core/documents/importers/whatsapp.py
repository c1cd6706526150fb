"""WhatsApp's exported chat (.txt): one message per entry with its sender, date and line.

Two export styles exist: ``12/31/23, 9:41 PM - Ann: text`` (Android) and
``[31.12.23, 21:41:05] Ann: text`` (iOS). Lines that do not start a message continue the
previous one. The file is only taken for WhatsApp when its first lines look like this.
"""
from __future__ import annotations

import re
from pathlib import PurePath

from core.documents.importers.textutil import decode_text, looks_binary
from core.documents.model import Importer, ParsedDocument, Section
from core.errors import ImportFailed

FORMAT = "whatsapp"
EXTENSIONS = (".txt",)
EXPECTS = "a WhatsApp chat export"

_LINE = re.compile(
    r"^\u200e?\[?(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4}),? (?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s?[AaPp]\.?[Mm]\.?)?)\]?"
    r"(?: -|:)? (?P<rest>.*)$")


def sniff(data: bytes, name: str) -> bool:
    if looks_binary(data):
        return False
    head = data[:4096].decode("utf-8", errors="ignore").splitlines()[:10]
    lines = [ln for ln in head if ln.strip()]
    hits = sum(1 for ln in lines if _LINE.match(ln))
    return len(lines) >= 2 and hits >= max(2, (len(lines) + 1) // 2)


def _iso_date(date: str) -> str:
    """Best-effort ISO date from d/m/y, m/d/y or y-m-d; the raw text when ambiguous parts remain."""
    parts = re.split(r"[./-]", date)
    if len(parts) != 3:
        return date
    a, b, c = parts
    if len(a) == 4:
        y, m, d = a, b, c
    else:
        y = c if len(c) == 4 else f"20{c}"
        # '/' exports are US style (m/d) unless the first part cannot be a month.
        if "/" in date and int(a) <= 12:
            m, d = a, b
        else:
            d, m = a, b
    try:
        return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
    except ValueError:
        return date


def parse(data: bytes, name: str) -> ParsedDocument:
    text = decode_text(data)
    base = PurePath(name).name
    sections: list[Section] = []
    for lineno, line in enumerate(text.split("\n"), 1):
        m = _LINE.match(line)
        if m:
            rest = m.group("rest")
            sender, sep, body = rest.partition(": ")
            if not sep:
                sender, body = "", rest
            date = _iso_date(m.group("date"))
            sections.append(Section(f"{sender}: {body}" if sender else body, f"{base} line {{line}} ({date})",
                                    {"line": lineno, "date": date, "time": m.group("time"), "sender": sender},
                                    group="chat"))
        elif sections and line.strip():
            sections[-1].text += "\n" + line
    if not sections:
        raise ImportFailed("no WhatsApp messages found", "Export the chat again from WhatsApp (without media).")
    senders = sorted({s.meta["sender"] for s in sections if s.meta["sender"]})
    return ParsedDocument(sections, {"messages": len(sections), "participants": senders})


IMPORTER = Importer(FORMAT, EXTENSIONS, parse, sniff=sniff, expects=EXPECTS)
